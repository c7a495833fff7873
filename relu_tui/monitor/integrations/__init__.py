"""The Monitor in the tools practitioners use, each imported only when used (its package is an extra):

- :mod:`~relu_tui.monitor.integrations.lightning`: a PyTorch Lightning ``Callback`` (``.[lightning]``);
- :mod:`~relu_tui.monitor.integrations.huggingface`: a transformers ``TrainerCallback`` (``.[transformers]``);
- :mod:`~relu_tui.monitor.integrations.tensorboard`: dead and dormant share per layer as TensorBoard
  scalars (``.[tensorboard]``).
"""
