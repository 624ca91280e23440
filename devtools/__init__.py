"""Development and demo tools beside the product: never imported by the app."""
