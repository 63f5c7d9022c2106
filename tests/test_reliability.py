"""Bad input gives one line, not a traceback: one test per row of issue 18's table (the command
as a user runs it), plus the config rules, the one-run-per-workdir lock and the extras table."""

import os
import subprocess
import sys
import threading
import tomllib
import types

import jax
import numpy as np
import pytest

from jaxdl import checkpoint, cli, config, extras, train, workdir
from jaxdl.data.arrays import shuffled_batches
from jaxdl.errors import ConfigError, WorkdirBusy
from jaxdl.pretrained import classify
from jaxdl.tasks import nanogpt
from test_fuzz_cli import outcome
from testlib import ONE_DEVICE_XLA_FLAGS, REPO, load_config, shakespeare_corpus

SMOKE = "--config=experiments/nanogpt/shakespeare_char.py:smoke"


def command(args, prelude: str = "", module: str = "jaxdl.experiments.nanogpt", env=None):
    """Runs `python -m module args` (after `prelude`, Python run first in the same process);
    returns (exit status, stderr)."""
    code = f"import runpy, sys\n{prelude}\nsys.argv = ['{module}', *{list(args)!r}]\n" \
           f"runpy.run_module('{module}', run_name='__main__', alter_sys=True)"
    environment = {**os.environ, "XLA_FLAGS": ONE_DEVICE_XLA_FLAGS, **(env or {})}  # one CPU device, as a laptop
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=environment,
                         capture_output=True, text=True, timeout=300)
    return out.returncode, out.stderr


def one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, stderr
    return lines[0]


def test_a_config_file_that_does_not_exist(tmp_path):
    code, err = command(["--config=experiments/nanogpt/nope.py", f"--workdir={tmp_path}"])
    assert code == 2
    assert "no config file" in one_error_line(err) and "experiments/nanogpt/nope.py" in err


def test_a_workdir_that_is_a_file(tmp_path):
    (tmp_path / "file").write_text("mine")
    code, err = command([SMOKE, f"--workdir={tmp_path / 'file'}"])
    assert code == 2 and "--workdir" in one_error_line(err)
    assert (tmp_path / "file").read_text() == "mine"


# In CI in-process (the CLI's own parsing and exit classification, without starting Python
# and JAX again); the same rows as commands in the slow tests below.
@pytest.mark.parametrize("override, message", [
    ("--config.data.batch_size=-4", "--config.data.batch_size=-4: must be >= 1."),
    ("--config.train.steps=0", "--config.train.steps=0: must be >= 1."),
])
def test_a_negative_batch_size_and_zero_steps_in_process(tmp_path, override, message):
    assert outcome("nanogpt", [override], tmp_path / "run") == (cli.USAGE, message)
    assert not (tmp_path / "run").exists()  # refused before anything was created


@pytest.mark.slow
def test_a_negative_batch_size(tmp_path):
    code, err = command([SMOKE, "--config.data.batch_size=-4", f"--workdir={tmp_path / 'run'}"])
    assert code == 2
    assert one_error_line(err) == "error: --config.data.batch_size=-4: must be >= 1."
    assert not (tmp_path / "run").exists()  # refused before anything was created


def test_a_negative_number_of_new_tokens(tmp_path):
    code, err = command(["--mode=sample", "--max_new_tokens=-5", f"--workdir={tmp_path}"])
    assert code == 2 and "--max_new_tokens=-5" in one_error_line(err)


@pytest.mark.slow
def test_zero_steps(tmp_path):
    code, err = command([SMOKE, "--config.train.steps=0", f"--workdir={tmp_path}"])
    assert code == 2 and one_error_line(err) == "error: --config.train.steps=0: must be >= 1."


def test_classify_without_the_pretrained_extra_in_process(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "PIL", None)  # as if the package were not installed
    with pytest.raises(ImportError) as error:
        classify.main(["classify", str(tmp_path / "photo.jpg")])
    assert cli.exit_status(error.value) == (
        cli.RUNTIME, "PIL is not installed; it comes with the pretrained extra: "
                     "pip install 'jaxdl[pretrained]'")


@pytest.mark.slow
def test_classify_without_the_pretrained_extra(tmp_path):
    # None in sys.modules makes `import PIL` fail as if the package were not installed.
    code, err = command([str(tmp_path / "photo.jpg")], prelude="sys.modules['PIL'] = None",
                        module="jaxdl.pretrained.classify")
    assert code == 1
    assert one_error_line(err).endswith("pip install 'jaxdl[pretrained]'")


def test_bench_with_its_data_missing(tmp_path):
    # Offline and no local copy: the download fails at once (no network is touched).
    offline = ("import urllib.error, urllib.request\n"
               "def offline(*args, **kwargs): raise urllib.error.URLError('offline')\n"
               "urllib.request.urlopen = offline")
    code, err = command(["nanogpt", SMOKE], prelude=offline, module="jaxdl.bench",
                        env={"JAXDL_DATA_DIR": str(tmp_path), "JAXDL_CACHE_DIR": str(tmp_path)})
    assert code == 1
    line = one_error_line(err)
    assert "tinyshakespeare.txt" in line and "--config.data.corpus=shakespeare_plays" in line


def test_a_second_run_on_a_busy_workdir_is_refused_and_the_first_finishes(tmp_path):
    """The first run (here, in this process) holds the workdir while a second one is started
    from the command line; the first waits in build_data until the second has ended."""
    cfg = load_config("experiments/nanogpt/shakespeare_char.py", "smoke")
    cfg.data.corpus = shakespeare_corpus()
    cfg.train.update(steps=2, eval_every=2, eval_steps=1)
    cfg.checkpoint.every = 1
    second_ended = threading.Event()

    def build_data_after_the_second_run(c):
        assert second_ended.wait(timeout=300)
        return nanogpt.build_data(c)

    first_task = types.SimpleNamespace(**{**vars(nanogpt),
                                          "build_data": build_data_after_the_second_run})
    results = {}
    first = threading.Thread(target=lambda: results.update(
        final=train.fit(cfg, tmp_path, first_task, devices=jax.devices()[:1])))
    first.start()
    try:
        code, err = command([SMOKE, f"--config.data.corpus={shakespeare_corpus()}",
                             "--config.seed=7", f"--workdir={tmp_path}"])
    finally:
        second_ended.set()
        first.join(timeout=300)
    assert code == 1 and f"(pid {os.getpid()})" in one_error_line(err)
    assert "final" in results, "the first run did not finish"
    assert sorted(int(p.name) for p in (tmp_path / "checkpoints").iterdir()) == [1, 2]
    _, saved_cfg, _ = checkpoint.load_model(tmp_path, nanogpt, log=lambda *_: None)
    assert saved_cfg.seed == cfg.seed  # the second run wrote nothing
    with workdir.exclusive(tmp_path):  # another training run; sampling may read meanwhile
        (text,) = nanogpt.sample(tmp_path, "RO", max_new_tokens=3)
    assert text.startswith("RO") and len(text) == 5


def test_the_lock_is_released_on_exit_and_a_stale_one_is_taken_over(tmp_path):
    (tmp_path / workdir.LOCK_FILE).write_text("999999\n")  # left by a run that crashed
    with workdir.exclusive(tmp_path):
        assert workdir.holder_pid(tmp_path) == str(os.getpid())
        with pytest.raises(WorkdirBusy, match=rf"\(pid {os.getpid()}\)"):
            with workdir.exclusive(tmp_path):  # a second open file: the kernel refuses it
                pass
    with workdir.exclusive(tmp_path):  # released when the first block ended
        pass


@pytest.mark.parametrize("key, value, message", [
    ("train.steps", 0, "--config.train.steps=0: must be >= 1."),
    ("train.steps", 2**31, "--config.train.steps=2147483648: must be at most 2147483647"),
    ("opt.b2", 1.0, "--config.opt.b2=1.0: must be in [0, 1)."),
    ("opt.lr", float("nan"), "--config.opt.lr=nan: must be a finite number >= 0."),
    ("mesh.data", 0, "--config.mesh.data=0: must be >= 1 or -1."),
    ("model.name", "gtp", "--config.model.name='gtp': choose one of gpt, rnn, bigram."),
    ("model.heads", 3, "--config.model.width=32 must be a multiple of --config.model.heads=3."),
    ("opt.trainable", "(", "--config.opt.trainable='(': is not a regular expression"),
])
def test_config_rules_name_the_key_and_the_fix(key, value, message):
    cfg = load_config("experiments/nanogpt/shakespeare_char.py", "smoke")
    section, name = key.split(".")
    cfg[section][name] = value
    with pytest.raises(ConfigError) as error:
        config.validate(cfg, nanogpt)
    assert str(error.value).startswith(message)
    assert cli.exit_status(error.value) == (cli.USAGE, str(error.value))


def test_every_extra_named_for_a_missing_module_is_in_pyproject():
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    assert set(extras.EXTRA_OF_MODULE.values()) <= set(declared)
    error = ModuleNotFoundError("No module named 'PIL'", name="PIL")
    assert cli.exit_status(error) == (
        cli.RUNTIME, "PIL is not installed; it comes with the pretrained extra: "
                     "pip install 'jaxdl[pretrained]'")
    assert cli.exit_status(ModuleNotFoundError("x", name="jaxdl.typo")) is None  # a bug


def test_errors_that_are_bugs_keep_their_traceback():
    assert cli.exit_status(ZeroDivisionError("division by zero")) is None
    assert cli.exit_status(ValueError("negative dimensions are not allowed")) is None


def test_a_user_error_exits_with_one_line_unless_verbose(monkeypatch, capsys):
    monkeypatch.delenv("JAXDL_VERBOSE", raising=False)
    with pytest.raises(SystemExit) as exit_:
        cli._exit_for(ConfigError("--config.x=1: must be\n  >= 2."))
    assert exit_.value.code == cli.USAGE
    assert capsys.readouterr().err == "error: --config.x=1: must be >= 2.\n"
    monkeypatch.setenv("JAXDL_VERBOSE", "1")
    assert cli._exit_for(ConfigError("x")) is None  # the caller re-raises: the traceback shows


def test_a_batch_of_one_row_streams():
    # Found by the fuzzer: an endless grain stream of 1-row batches overflowed len().
    stream = iter(shuffled_batches({"x": np.arange(5)}, batch_size=1, seed=0).to_iter_dataset())
    rows = [int(next(stream)["x"][0]) for _ in range(10)]
    assert sorted(rows[:5]) == sorted(rows[5:]) == [0, 1, 2, 3, 4]  # each epoch a permutation
