"""The injection classifier the gateway runs: trained on the dev rows of the configured corpora, or loaded from
the cache for exactly that corpus. The service, the local stack and the offline evaluation all build it here."""

from services.gateway.guardrails.classifier import InjectionClassifier, load_or_train
from services.gateway.settings import GatewaySettings


def build_classifier(settings: GatewaySettings) -> InjectionClassifier:
    return load_or_train(settings.guardrail_attack_files, settings.guardrail_benign_files, settings.model_cache_dir)
