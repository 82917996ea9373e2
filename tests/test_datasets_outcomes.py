"""The ISLR2 survival and count tables shipped in nnfit.datasets: BrainCancer, Publication, Bikeshare."""
import shutil

import numpy as np
import pytest

from nnfit.datasets import _islr, load_bikeshare, load_brain_cancer, load_publication


def test_brain_cancer():
    brain = load_brain_cancer()
    assert brain.data.shape == (87, 8) and brain.feature_names == list(brain.data.columns)
    assert "diagnosis_Meningioma" not in brain.feature_names   # the book's reference level
    assert {"diagnosis_LG glioma", "diagnosis_HG glioma", "diagnosis_Other"} <= set(brain.feature_names)
    assert brain.target["status"].dtype == bool and int(brain.target["status"].sum()) == 35
    assert brain.target["time"].max() == pytest.approx(82.56)
    assert np.all(brain.data.dtypes == np.float64) and not brain.data.isna().any().any()
    assert "BSD" in brain.DESCR


def test_publication():
    publication = load_publication()
    assert publication.data.shape == (244, 19)
    assert "mech_Contract" not in publication.feature_names and "impact" in publication.feature_names
    assert int(publication.target["status"].sum()) == 156
    assert "gives the outcome away" in publication.DESCR


def test_bikeshare():
    bikeshare = load_bikeshare()
    assert bikeshare.data.shape == (8645, 24)
    assert not {"casual", "registered", "bikers"} & set(bikeshare.feature_names)
    assert "mnth_Jan" not in bikeshare.feature_names and "weathersit_clear" not in bikeshare.feature_names
    assert bikeshare.data.filter(like="mnth_").sum(axis=1).max() == 1
    assert int(bikeshare.target.sum()) == 1243103
    assert (bikeshare.frame["casual"] + bikeshare.frame["registered"] == bikeshare.target).all()


@pytest.mark.parametrize("name, loader", [("BrainCancer.csv", load_brain_cancer),
                                          ("Publication.csv", load_publication),
                                          ("Bikeshare.csv", load_bikeshare)])
def test_changed_table_is_refused(tmp_path, monkeypatch, name, loader):
    for file in (name, "SHA256SUMS"):
        shutil.copy(_islr.ISLR_DIR / file, tmp_path / file)
    with open(tmp_path / name, "a") as file:
        file.write("\n")
    monkeypatch.setattr(_islr, "ISLR_DIR", tmp_path)
    with pytest.raises(ValueError, match="SHA-256"):
        loader()
