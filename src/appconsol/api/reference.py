"""Reference data: what is in use (`reference_status`) and bringing it up to date (`update_reference`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from appconsol.api.settings import settings_from

if TYPE_CHECKING:
    from appconsol.config import Config

REFERENCE_KINDS = ("taxonomy", "products", "lifecycle", "lists", "components")


def reference_status(config: Path | Config | None = None) -> tuple[Config, dict[str, Any]]:
    """The bundled reference data and the user's own files named under [reference] in appconsol.toml."""
    from appconsol.reference.status import reference_status as status

    settings = settings_from(config)
    base = settings.path.parent if settings.path else None
    return settings, status(settings.analyses.get("reference", {}), base)


def update_reference(
    *,
    checkout: Path | None = None,
    import_file: Path | None = None,
    kind: str | None = None,
    output: Path = Path("reference"),
) -> dict[str, Any]:
    """Lifecycle overrides from an endoflife.date `checkout`, or check and copy in `import_file` of `kind`.

    The result names what was done (`action`: "lifecycle" or "import") and the appconsol.toml
    `setting` to add.
    """
    from appconsol.errors import ConfigError
    from appconsol.reference.status import import_reference, lifecycle_update

    if (checkout is None) == (import_file is None):
        raise ConfigError("give either --endoflife CHECKOUT or --import FILE --kind KIND")
    if checkout is not None:
        target = output / "lifecycle-overrides.csv" if output.suffix.lower() != ".csv" else output
        return {"action": "lifecycle", **lifecycle_update(checkout, target)}
    if kind is None:
        raise ConfigError(
            f"--import needs --kind ({', '.join(REFERENCE_KINDS[:-1])} or {REFERENCE_KINDS[-1]})"
        )
    assert import_file is not None
    return {"action": "import", **import_reference(import_file, kind, output)}
