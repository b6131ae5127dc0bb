"""Bridges from training frameworks to trainlog; each is imported explicitly, never by ``trainlog``.

``from trainlog.integrations.transformers import TrainlogCallback`` needs ``transformers``;
``import trainlog`` does not.
"""
