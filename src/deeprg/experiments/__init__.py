"""Named pipelines that compose the library, e.g. the paper's reproduction.

- :mod:`~deeprg.experiments.mehta_schwab`: ``deeprg reproduce mehta-schwab`` — samples, the
  deep belief network, the paper's figures and deeprg's block-spin measurements.
"""
