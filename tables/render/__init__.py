"""Renderers: each turns the same `tables.types.Table` objects into one output format.

They know nothing of the database; formatting of amounts stays in `tables.formatting`.
"""
