"""scripts/llama_build.py: probing instruction families in child processes, the keyed wheel
cache, and the smoke test's portable rebuild. Nothing is built or downloaded: the build, the
install and the smoke test are replaced where a test needs them."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "llama_build.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("llama_build", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["llama_build"] = module
    spec.loader.exec_module(module)
    return module


lb = _load()
needs_cc = pytest.mark.skipif(lb.compiler() is None, reason="no C compiler")
CPU = lb.Cpu("GenuineIntel", "Intel(R) Xeon(R) Platinum 8488C", ("avx", "avx2", "fma", "sse2"))


@pytest.fixture(autouse=True)
def no_user_args(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(lb.CMAKE_ARGS_ENV, raising=False)
    monkeypatch.delenv(lb.SIMULATE_ENV, raising=False)


@needs_cc
def test_a_family_whose_probe_is_killed_by_sigill_is_built_without() -> None:
    # amx_tile and amx_int8 "advertised", and their test programs die of a real SIGILL
    result = lb.probe(cpu=CPU, simulate={"amx_tile", "amx_int8"})
    assert result.fails == {"amx_tile": "killed by SIGILL", "amx_int8": "killed by SIGILL"}
    assert "amx_bf16" in result.not_advertised
    plan = lb.make_plan(result)
    assert plan.kind == "native"
    assert "-DCMAKE_C_FLAGS='-mno-amx-tile -mno-amx-int8'" in plan.cmake_args
    assert "-DCMAKE_CXX_FLAGS='-mno-amx-tile -mno-amx-int8'" in plan.cmake_args
    assert "-DGGML_AMX_TILE=OFF" in plan.cmake_args and "-DGGML_AMX_INT8=OFF" in plan.cmake_args
    clean = lb.make_plan(lb.probe(cpu=CPU, simulate=set()))
    assert clean.key != plan.key  # another build, another cache entry


@needs_cc
def test_the_families_this_machine_runs_pass_their_probe() -> None:
    cpu = lb.read_cpu()
    result = lb.probe(cpu=cpu, simulate=set())
    for name in result.works:
        assert name in cpu.flags
    # what this CPU advertises and the compiler knows either runs or is reported, never lost
    probed = set(result.works) | set(result.fails) | set(result.unknown_to_compiler)
    assert probed == {f.name for f in lb.FAMILIES if f.name in cpu.flags}


def test_a_portable_plan_keeps_only_the_baseline_that_works() -> None:
    result = lb.Probe(cpu=CPU, compiler="cc 12", works=["avx", "avx2", "fma", "avx512f"],
                      fails={"amx_tile": "killed by SIGILL"})  # fmt: skip
    args = lb.make_plan(result, portable=True).cmake_args.split()
    assert "-DGGML_NATIVE=OFF" in args
    assert {"-DGGML_AVX=ON", "-DGGML_AVX2=ON", "-DGGML_FMA=ON"} <= set(args)
    assert {"-DGGML_F16C=OFF", "-DGGML_AVX512=OFF", "-DGGML_AMX_TILE=OFF"} <= set(args)


def test_user_cmake_args_replace_the_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(lb.CMAKE_ARGS_ENV, "-DGGML_CUDA=on")
    plan = lb.current_plan(portable=False)
    assert plan.kind == "user" and plan.cmake_args == "-DGGML_CUDA=on"
    assert plan.key_data["cpu"]["model"] == lb.read_cpu().model


def _cached(wheels: Path, plan: Any, key_data: dict[str, Any]) -> Path:
    folder = wheels / "llama" / plan.key
    folder.mkdir(parents=True)
    wheel = folder / "llama_cpp_python-0.3.36-cp311-cp311-linux_x86_64.whl"
    wheel.write_bytes(b"PK")
    (folder / "build.json").write_text(json.dumps({"key_data": key_data}), encoding="utf-8")
    return wheel


def test_a_cached_wheel_is_used_only_when_its_key_matches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = lb.Probe(cpu=CPU, compiler="cc 12", works=["avx", "avx2"])
    plan = lb.make_plan(result)
    other_cpu = json.loads(json.dumps(plan.key_data))
    other_cpu["cpu"]["flags"] = [*other_cpu["cpu"]["flags"], "amx_tile"]
    _cached(tmp_path, plan, other_cpu)  # copied from another machine under the same name
    assert lb.find_cached(tmp_path, plan) is None
    assert "built for other flags or another CPU" in capsys.readouterr().err

    shutil.rmtree(tmp_path / "llama")
    wheel = _cached(tmp_path, plan, plan.key_data)
    assert lb.find_cached(tmp_path, plan) == wheel

    # a wheel built with other flags has another key: not found for this plan
    amx = lb.make_plan(lb.Probe(cpu=CPU, compiler="cc 12", fails={"amx_tile": "SIGILL"}))
    assert lb.find_cached(tmp_path, amx) is None


def test_an_old_unkeyed_wheel_is_never_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "llama_cpp_python-0.3.36-cp311-cp311-linux_x86_64.whl").write_bytes(b"PK")
    plan = lb.make_plan(lb.Probe(cpu=CPU, compiler="cc 12"))
    assert lb.find_cached(tmp_path, plan) is None
    assert "built before wheels were keyed" in capsys.readouterr().err


class FakeBuild:
    """Replaces probing, building, installing and the smoke test; records the builds."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, venv: Path, smokes: list[dict]) -> None:
        self.built: list[Any] = []
        self.smokes = smokes
        self.venv = venv
        result = lb.Probe(cpu=CPU, compiler="cc 12", works=["avx", "avx2", "fma"])
        monkeypatch.setattr(lb, "probe", lambda: result)
        monkeypatch.setattr(lb, "build_wheel", self.build)
        monkeypatch.setattr(lb, "install_wheel", lambda venv, wheel: self.installed(venv))
        monkeypatch.setattr(lb, "smoke", lambda venv: self.smokes.pop(0))

    def build(self, wheels: Path, plan: Any, python: str) -> Path:
        self.built.append(plan)
        return _cached(wheels, plan, plan.key_data)

    def installed(self, venv: Path) -> None:
        (venv / "lib" / "python3.11" / "site-packages" / "llama_cpp_python-0.3.36.dist-info"
         ).mkdir(parents=True, exist_ok=True)  # fmt: skip


SIGILL = {"ok": False, "crashed": True, "signal": "SIGILL",
          "message": "the llama.cpp smoke test died: SIGILL; likely cause: …; fix: …"}  # fmt: skip
OK = {"ok": True, "message": "601-token prompt"}


def test_a_build_that_crashes_its_smoke_test_is_discarded_and_rebuilt_portable_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    venv, wheels = tmp_path / "venv", tmp_path / "wheels"
    fake = FakeBuild(monkeypatch, venv, [SIGILL, OK])
    native = lb.current_plan(portable=False, wheels=wheels)
    assert lb.ensure_installed(venv, wheels, native) == "built"
    assert lb.check(venv, wheels) == 0
    assert [p.kind for p in fake.built] == ["native", "portable"]
    err = capsys.readouterr().err
    assert "crashed in the smoke test (SIGILL): discarding it and building a portable one" in err
    assert not (wheels / "llama" / native.key).exists()  # the crashing wheel is gone
    assert lb.read_stamp(venv)["kind"] == "portable" and lb.read_stamp(venv)["smoke"] == "ok"

    # later setups keep the portable build and skip the smoke test
    assert lb.check(venv, wheels) == 0
    again = lb.current_plan(portable=False, wheels=wheels)
    assert again.kind == "portable"  # this machine's native build is known to crash
    assert lb.ensure_installed(venv, wheels, again) == "installed"
    assert len(fake.built) == 2


def test_a_portable_build_that_crashes_too_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    venv, wheels = tmp_path / "venv", tmp_path / "wheels"
    fake = FakeBuild(monkeypatch, venv, [SIGILL, SIGILL])
    lb.ensure_installed(venv, wheels, lb.current_plan(portable=False, wheels=wheels))
    assert lb.check(venv, wheels) == 2
    assert [p.kind for p in fake.built] == ["native", "portable"]  # once, no loop
    errors = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("error:")]
    assert errors == [f"error: {SIGILL['message']}"]
