"""Named pipelines that compose the library, each with one module prefix.

Experiments (each module has a ``run`` entry point, a settings object, a report):

- ``mehta_schwab`` (``deeprg reproduce mehta-schwab``): samples, the deep belief network,
  the paper's figures and deeprg's block-spin measurements (:mod:`.measurements`);
  settings in ``mehta_schwab_settings``, report in ``mehta_schwab_report``, figures in
  :mod:`deeprg.plots.mehta_schwab`.
- ``iso_flow`` (``deeprg reproduce iso-flow``): RBM flows read by a thermometer; one module
  per stage (``iso_flow_samples``, ``iso_flow_thermometer``, ``iso_flow_rbms``,
  ``iso_flow_flows``, ``iso_flow_end_points``, ``iso_flow_verdicts``), settings in
  ``iso_flow_settings``, report in ``iso_flow_report``, figures in :mod:`deeprg.plots.iso_flow`.
- ``sweep`` (``deeprg sweep mehta-schwab``): the reproduction over a grid, on Dask; summary
  in ``sweep_report``, figures in :mod:`deeprg.plots.sweep`.
- ``exponents`` (``deeprg rg exponents``): critical exponents by Monte Carlo RG; settings in
  ``exponents_settings``, report in ``exponents_report``.

Shared by all of them: the stage cache (``_stages``: compute a stage, or load it when its
settings key matches), the settings base class (``_settings``), the output folder
(:mod:`.output`), the verdict type (:mod:`.verdict`) and the HTML kit of every report
(:mod:`.html`). ``inspect_report`` builds ``deeprg inspect``'s report of a model file.

Former module names still import: ``settings`` (now ``mehta_schwab_settings``) and
``report`` (now ``mehta_schwab_report``; its private HTML names are in :mod:`.html`).
"""
