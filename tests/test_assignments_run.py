"""The course's other assignments end to end: ``deepscratch check`` on ``examples/course_steps.py``
(every row right) and on ``examples/step_mistakes.py`` (each row's mistake named in the table)."""

from __future__ import annotations

from tests.test_learner_run import ROOT, block, learner_run, row

#: examples/step_mistakes.py: for each function it gets wrong, what its row in the table says.
MISTAKES = {
    "initialize_parameters_he": "Xavier's scale used for ReLU layers",
    "initialize_parameters_deep": "W1 is transposed",
    "initialize_parameters": "the scale is forgotten",
    "initialize_parameters_random": "random biases",
    "backward_propagation": "that is dJ/dx = theta",
    "gradient_check": "a one-sided difference",
    "backward_propagation_n": "your dW2 is 2 times the right one",
    "gradient_check_n": "the L1 norm",
    "update_parameters_with_gd": "you add the gradient",
}


def test_each_mistake_of_the_assignments_is_named() -> None:
    run = learner_run(ROOT / "examples" / "step_mistakes.py")
    assert run.returncode == 1, run.stdout + run.stderr
    for name, said in MISTAKES.items():
        assert row(run.stdout, name).startswith("WRONG: " + said), run.stdout
    where = block(run.stdout, "backward_propagation_n")
    assert "layer 3's are right and layer 2's are not" in where, run.stdout
    for name in ("forward_propagation", "forward_propagation_n"):
        assert row(run.stdout, name) == "verified", run.stdout


def test_the_right_assignments_are_verified() -> None:
    run = learner_run(ROOT / "examples" / "course_steps.py")
    assert run.returncode == 0, run.stdout + run.stderr
    helpers = {"dictionary_to_vector", "vector_to_dictionary", "gradients_to_vector"}
    table = run.stdout.split("Verdicts for")[1].split("  not in your file")[0]
    names = [line.split()[0] for line in table.splitlines()[1:] if line.strip()]
    assert len(names) == 18, run.stdout
    for name in names:
        said = row(run.stdout, name)
        assert said.startswith("not checked" if name in helpers else "verified"), run.stdout
    assert "changes its argument in place" in row(run.stdout, "update_parameters_with_gd")
    assert "Xavier's sqrt(1 / n_prev)" in row(run.stdout, "initialize_parameters_deep")


def test_the_runner_runs_the_assignments_plans_in_process() -> None:
    """The same reading and verdicts as the command's, in this process (fewer examples)."""
    from oracle.checks.loading import load
    from oracle.checks.reading import read
    from oracle.checks.runner import check

    verdicts = {
        v.row.name: v
        for v in check(read(load(ROOT / "examples" / "step_mistakes.py")), examples=5).verdicts
    }
    for name, said in MISTAKES.items():
        assert verdicts[name].status == "WRONG", (name, verdicts[name].said)
        assert said in verdicts[name].said, (name, verdicts[name].said)
    right = {
        v.row.name: v.said
        for v in check(read(load(ROOT / "examples" / "course_steps.py")), examples=5).verdicts
    }
    assert right["update_params"] == "verified"
    assert right["initialize_parameters_random"].startswith("verified (scale: W1 10")
    assert right["gradient_check_n"] == "verified"
