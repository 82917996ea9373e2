"""Floor 4, the scikit-learn estimators ``MLPClassifier`` and ``MLPRegressor`` over the engine:
hyperparameter checks, standardization, sample and class weights, the held-out split."""
