"""Journeys: welcome series and post-purchase follow-ups that run by themselves."""
