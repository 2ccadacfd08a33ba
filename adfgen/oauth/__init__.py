"""`adfgen auth`: the one-time consent that seeds the secret store, and the tools that keep tokens healthy."""
