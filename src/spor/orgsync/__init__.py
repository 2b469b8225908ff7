"""Import of units, persons and engagements from the municipality's organisation system."""
