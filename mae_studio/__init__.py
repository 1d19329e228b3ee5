"""MAE Studio: see what a Masked Autoencoder does."""

__version__ = "0.1.0"
