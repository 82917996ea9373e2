"""Sparse input: the first layer's sparse products, scaling without centring, a bag of words."""
import numpy as np
import pytest
import scipy.sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import nnfit
from nnfit import MLPClassifier, MLPRegressor, Objective, SoftmaxCrossEntropy, gradcheck
from nnfit.backends.numpy_backend import default_backend


def sparse_problem(seed=0):
    rng = np.random.default_rng(seed)
    X = scipy.sparse.random(12, 30, density=0.15, format="csr", random_state=seed) * 3
    net = nnfit.mlp(30, (6,), 3, "tanh", (), dtype="float64")
    net.initialize(rng)
    net.theta += rng.normal(scale=0.05, size=net.n_params)
    Y = np.eye(3)[rng.integers(3, size=12)]
    return Objective(net, SoftmaxCrossEntropy(default_backend), ridge=0.01), X, Y


def test_sparse_first_layer_gradient_matches_dense_and_finite_differences():
    objective, X, Y = sparse_problem()
    sparse_value = objective.value_and_grad(X, Y)
    sparse_grad = objective.network.grad.copy()
    dense_value = objective.value_and_grad(X.toarray(), Y)
    assert sparse_value == pytest.approx(dense_value, rel=1e-13)
    np.testing.assert_allclose(sparse_grad, objective.network.grad, rtol=1e-12, atol=1e-15)
    assert gradcheck(objective, X, Y) < 1e-6


@pytest.mark.parametrize("container", [scipy.sparse.csr_matrix, scipy.sparse.csc_matrix,
                                       scipy.sparse.csr_array])
def test_sparse_fit_equals_dense_fit(container):
    rng = np.random.default_rng(1)
    dense = rng.normal(size=(120, 8)) * (rng.random((120, 8)) < 0.3)
    y = (dense[:, 0] + dense[:, 1] > 0).astype(int)
    params = dict(hidden_layer_sizes=(5,), epochs=5, dtype="float64", random_state=0,
                  standardize=False)
    a = MLPClassifier(**params).fit(container(dense), y)
    b = MLPClassifier(**params).fit(dense, y)
    np.testing.assert_allclose(a.network_.theta, b.network_.theta, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a.predict_proba(container(dense)), b.predict_proba(dense), rtol=1e-9)
    c = MLPClassifier(**params).partial_fit(container(dense), y, classes=[0, 1])
    d = MLPClassifier(**params).partial_fit(dense, y, classes=[0, 1])
    np.testing.assert_allclose(c.network_.theta, d.network_.theta, rtol=1e-9, atol=1e-12)


def test_sparse_standardization_scales_without_centring():
    X = scipy.sparse.random(200, 6, density=0.2, format="csr", random_state=0) * 10
    y = np.random.default_rng(0).normal(size=200)
    model = MLPRegressor((3,), epochs=1, validation_fraction=0).fit(X, y)
    assert model._x_mean is None
    np.testing.assert_allclose(model._x_scale, StandardScaler(with_mean=False).fit(X).scale_)
    scaled = model._scaled(X, None, "float32")
    assert scipy.sparse.issparse(scaled) and scaled.nnz == X.nnz  # never densified


def sentences():
    """Short sentences about two topics, made deterministically from word lists."""
    rng = np.random.default_rng(0)
    topics = {
        "medicine": (["patient", "doctor", "nurse", "dose", "trial", "clinic", "symptom",
                      "therapy", "vaccine", "hospital", "fever", "surgeon"],
                     ["was treated", "reported", "received", "needed", "recovered after",
                      "was examined for"]),
        "finance": (["market", "stock", "bond", "investor", "bank", "price", "fund", "loan",
                     "share", "dividend", "trader", "portfolio"],
                    ["rose after", "fell on", "was sold for", "gained", "lost", "was priced at"]),
    }
    shared = ["the", "a", "new", "report", "today", "week", "large", "small", "early", "late"]
    texts, labels = [], []
    for i in range(300):
        topic = ["medicine", "finance"][i % 2]
        nouns, verbs = topics[topic]
        words = [rng.choice(shared), rng.choice(nouns), rng.choice(verbs), rng.choice(shared)]
        words += list(rng.choice(nouns, size=rng.integers(0, 2)))  # sometimes a second noun
        words += list(rng.choice(shared, size=2))
        if rng.random() < 0.1:  # some sentences borrow a word of the other topic
            other = topics["finance" if topic == "medicine" else "medicine"][0]
            words.append(rng.choice(other))
        texts.append(" ".join(words))
        labels.append(topic)
    return texts, np.array(labels)


def test_bag_of_words_end_to_end():
    texts, labels = sentences()
    train_text, test_text, y_train, y_test = train_test_split(
        texts, labels, test_size=0.3, stratify=labels, random_state=0)
    vectorizer = CountVectorizer()
    X_train = vectorizer.fit_transform(train_text)
    X_test = vectorizer.transform(test_text)
    assert scipy.sparse.issparse(X_train) and X_train.shape[0] == 210
    model = MLPClassifier(random_state=0).fit(X_train, y_train)
    assert model.score(X_test, y_test) >= 0.95
    assert list(model.classes_) == ["finance", "medicine"]


def test_sparse_nan_named_and_augment_refused():
    X = scipy.sparse.csr_matrix(np.array([[0.0, 1.0], [np.inf, 0.0], [1.0, 0.0]]))
    with pytest.raises(ValueError, match="NaN or infinity: inf in column 0, row 1"):
        MLPClassifier(epochs=1).fit(X, [0, 1, 0])
    X = scipy.sparse.csr_matrix(np.eye(4))
    with pytest.raises(ValueError, match="augment works on dense arrays"):
        MLPClassifier(epochs=1, augment=lambda Xb, rng: Xb).fit(X, [0, 1, 0, 1])
