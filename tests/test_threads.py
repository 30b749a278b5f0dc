"""``scratch.threads``: small networks train on one BLAS thread, the rest as BLAS decides, and
the environment's setting wins; ``train --threads`` sets the number by hand."""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_info

from scratch import cli, threads


def blas_threads_now() -> set[int]:
    return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}


@pytest.fixture(autouse=True)
def no_threads_by_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in threads.BY_HAND:
        monkeypatch.delenv(name, raising=False)


def test_the_digits_default_runs_on_one_thread_and_mnist_on_all() -> None:
    digits = [64, *cli.DEFAULTS["digits"]["hidden_layers"], 10]
    mnist = [784, *cli.DEFAULTS["mnist"]["hidden_layers"], 10]
    assert threads.largest_product(digits, 32) == 32 * 256 * 128
    assert threads.threads_for(digits, cli.DEFAULTS["digits"]["batch_size"]) == 1
    assert threads.threads_for(mnist, cli.DEFAULTS["mnist"]["batch_size"]) is None
    assert threads.threads_for([784, 1024, 10], 128) is None


def test_the_environment_sets_the_threads_by_hand(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    assert threads.threads_for([64, 256, 128, 10], 32) is None


def test_blas_threads_limits_the_pool_within_the_block() -> None:
    before = blas_threads_now()
    with threads.blas_threads(1):
        assert blas_threads_now() == {1}
    assert blas_threads_now() == before
    with threads.blas_threads(None):
        assert blas_threads_now() == before


def test_train_says_how_to_set_the_threads(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--threads THREADS" in text
    assert "OPENBLAS_NUM_THREADS=N" in text
