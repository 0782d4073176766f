"""detente: model, simulate and forecast multilateral negotiations."""
