"""Economics screens: hourly rates, cost per forløb and intervention, the investment case."""
