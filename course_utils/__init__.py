"""Helpers for the Sign Language MNIST course: data, plots, checks and the course's commands."""
