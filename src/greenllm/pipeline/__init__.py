"""The pipeline's jobs as ``greenllm pipeline ...`` commands (the Snakemake rules call only ``greenllm``).

- :mod:`greenllm.pipeline.retrieve_job`: probe the data hosts, download a scenario's raw data when online;
- :mod:`greenllm.pipeline.build_job`: build a scenario folder, keep a folder a worse build would replace;
- :mod:`greenllm.pipeline.notebook_job`: execute a plot notebook with papermill;
- :mod:`greenllm.pipeline.run_job`: `make all`, Snakemake with one run per folder that resumes after a crash;
- :mod:`greenllm.pipeline.cli`: the ``greenllm pipeline`` parsers (registered by :mod:`greenllm.cli`).
"""
