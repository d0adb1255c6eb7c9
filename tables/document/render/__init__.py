"""Renderers: each turns the same `tables.figures.types.Table` objects into one output format.

They know nothing of the database; formatting of amounts stays in `tables.figures.formatting`.
"""
