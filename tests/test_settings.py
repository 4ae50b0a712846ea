"""Configuration: safe defaults with nothing set, real services from the environment, and a
production module that refuses to start unsafe."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _settings(module: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SECRET_KEY", "TASKS_BACKEND"}
    }
    code = (
        "import django, json; from django.conf import settings; django.setup(); "
        "print(json.dumps({'db': settings.DATABASES['default']['ENGINE'], "
        "'layer': settings.CHANNEL_LAYERS['default']['BACKEND'], "
        "'cache': settings.CACHES['default']['BACKEND'], "
        "'tasks': settings.TASKS['default']['BACKEND'], 'debug': settings.DEBUG}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        env={
            **clean,
            **env,
            "DJANGO_SETTINGS_MODULE": module,
            "PYTHONPATH": str(ROOT / "src"),
            "COOPWORK_VAR_DIR": "/tmp/coopwork-settings-test",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_defaults_need_no_server():
    result = _settings("coopwork.settings.base", {})
    assert result.returncode == 0, result.stderr
    assert '"db": "django.db.backends.sqlite3"' in result.stdout
    assert '"layer": "channels.layers.InMemoryChannelLayer"' in result.stdout
    assert "LocMemCache" in result.stdout
    assert "ImmediateBackend" in result.stdout


def test_environment_switches_to_real_services():
    result = _settings(
        "coopwork.settings.base",
        {
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x",
            "REDIS_URL": "redis://127.0.0.1:6379/1",
            "TASKS_BACKEND": "database",
        },
    )
    assert result.returncode == 0, result.stderr
    assert "postgresql" in result.stdout
    assert "RedisChannelLayer" in result.stdout
    assert "RedisCache" in result.stdout
    assert "django_tasks_db.DatabaseBackend" in result.stdout


def test_production_refuses_debug():
    result = _settings("coopwork.settings.production", {"DEBUG": "1", "SECRET_KEY": "x" * 50})
    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr


def test_production_refuses_missing_secret_key():
    result = _settings("coopwork.settings.production", {"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_starts_when_safe():
    result = _settings("coopwork.settings.production", {"DEBUG": "0", "SECRET_KEY": "k" * 50})
    assert result.returncode == 0, result.stderr
    assert '"debug": false' in result.stdout
