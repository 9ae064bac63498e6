"""What a driver does through the app: their cards, payment methods and sessions. Every
operation takes the calling driver's id and acts on their own records only."""
