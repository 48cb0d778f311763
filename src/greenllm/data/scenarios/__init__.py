"""Scenario builders: each module has ``build(out_dir, *, raw_root=None, offline=False) -> Path`` and is registered
by name in ``greenllm.data.build.SCENARIOS``."""
