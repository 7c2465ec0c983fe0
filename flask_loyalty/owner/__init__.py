"""The owner area: an overview and the navigation every domain adds its pages to."""
