"""Data layer: the download cache (`cache`), one module per source (`sources`), scenario builders (`scenarios`,
registered in `build`) and the `greenllm data` command family (`cli`).

data/raw is a git-ignored download cache with a manifest (data/raw/manifest.json); data/processed holds the
scenario folders the model reads (see greenllm.inputs).
"""
