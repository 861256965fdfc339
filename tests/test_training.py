"""The classifier training job, stepped by hand."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from engine.events import Finished, Metrics, Paused, Progress, Snapshot, TestResults
from engine.training import ClassifierJob, ClassifierTraining, TrainConfig


def events_of(events, kind):
    return [e for e in events if isinstance(e, kind)]


@pytest.fixture
def job(tiny_digits):
    return ClassifierTraining(tiny_digits, TrainConfig(epochs=1, batch_size=50, seed=1))


def test_one_step_changes_weights(job):
    before = [p.detach().clone() for p in job.model.parameters()]
    events = job.step()
    after = list(job.model.parameters())
    assert any(not torch.equal(a, b) for a, b in zip(before, after))
    assert events_of(events, Metrics)[0].values["loss"] > 0
    assert events_of(events, Progress)[0].step == 1


def test_epoch_end_reports_everything(job):
    events = []
    while not job.finished:
        events += job.step()
    assert job.step_count == 4
    epoch = [e for e in events_of(events, Metrics) if e.epoch == 1]
    assert 0.0 <= epoch[0].values["test_accuracy"] <= 1.0
    assert len(events_of(events, Snapshot)) == 1
    results = events_of(events, TestResults)[0]
    assert results.predicted.shape == (100,)
    assert not events_of(events, Finished)[0].stopped


def test_same_seed_same_loss(tiny_digits):
    losses = []
    for _ in range(2):
        job = ClassifierTraining(tiny_digits, TrainConfig(epochs=1, batch_size=50, seed=7))
        losses.append(events_of(job.step(), Metrics)[0].values["loss"])
    assert losses[0] == losses[1]


def test_huge_learning_rate_pauses(tiny_digits):
    config = TrainConfig(epochs=5, batch_size=50, optimizer="sgd", learning_rate=1e10,
                         schedule="constant", augment=False)
    job = ClassifierTraining(tiny_digits, config)
    for _ in range(20):
        paused = events_of(job.step(), Paused)
        if paused:
            break
    assert paused, "the loss never became non-finite"
    assert "smaller learning rate" in paused[0].reason


def test_learning_rate_change_between_steps(job):
    job.step()
    job.set_hyperparameter("learning_rate", 0.01)
    job.step()
    assert job.learning_rate == pytest.approx(0.01)


def test_invalid_learning_rate_rejected(job):
    with pytest.raises(ValueError):
        job.set_hyperparameter("learning_rate", float("nan"))


def test_publish_sends_snapshot(job):
    job.set_hyperparameter("publish", True)
    assert events_of(job.step(), Snapshot)
    assert not events_of(job.step(), Snapshot)


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "momentum", "adadelta"])
@pytest.mark.parametrize("init", ["default", "xavier", "he"])
def test_every_optimizer_and_init_steps(tiny_digits, optimizer, init):
    config = TrainConfig(epochs=1, batch_size=100, optimizer=optimizer, init=init)
    job = ClassifierTraining(tiny_digits, config)
    loss = events_of(job.step(), Metrics)[0].values["loss"]
    assert np.isfinite(loss)


def test_config_rejects_unknown_optimizer():
    with pytest.raises(ValueError, match="Unknown optimiser"):
        TrainConfig(optimizer="lion").validate()


def test_job_loads_data_and_autosaves(tmp_path):
    autosave = tmp_path / "auto.pt"
    job = ClassifierJob(TrainConfig(epochs=1, batch_size=100), limit=200, autosave=autosave)
    while not job.finished:
        job.step()
    assert autosave.is_file()
