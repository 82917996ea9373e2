"""Floor 5, tables: ``TabularClassifier`` and ``TabularRegressor`` fit an estimator on a
DataFrame of numeric, categorical and true/false columns (scikit-learn's ColumnTransformer)."""
