"""Pure derivation of the statutory tables 1–14 from a submission's loaded rows.

Nothing in this package touches the database or HTTP: each module's `build(data)` takes a
`tables.figures.types.BudgetData` and returns a `tables.figures.types.Table`.
"""
