"""The 决算: its data (`types`), loading (`load`), the nine 决算 tables F01–F09 (`derive`), the
comparison with the 年初预算 (`compare`) and the 决算 rules (`checks`). Pure but for `load`."""
