"""Login through the municipality's OpenID Connect broker; TOTP two-factor for local accounts."""
