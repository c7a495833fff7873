"""The app's widgets and the text layouts they draw; dense grids are line-API widgets."""
