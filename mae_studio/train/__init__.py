"""Training and evaluation of MAE models on folders of photos."""
