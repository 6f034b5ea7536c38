"""Turn the reference model's facts into a value that validates against an arbitrary JSON schema: known
properties by name, everything else a schema-valid default (null, [], first enum value, false, "")."""

from typing import Any

import jsonschema


class SchemaUnsatisfiable(ValueError):
    """No value the reference model can build validates against this schema."""


def _types(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, list):
        return kind
    if kind:
        return [kind]
    if "properties" in schema:
        return ["object"]
    if "items" in schema:
        return ["array"]
    return ["null", "string"]


def default_for(schema: Any) -> Any:
    if not isinstance(schema, dict):
        return None
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf"):
        if schema.get(key):
            return default_for(schema[key][0])
    types = _types(schema)
    kind = "null" if "null" in types else types[0]
    if kind == "object":
        return {name: default_for(schema.get("properties", {}).get(name, {})) for name in schema.get("required", [])}
    if kind == "array":
        return [default_for(schema.get("items", {})) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        return "x" * schema.get("minLength", 0)
    if kind in ("number", "integer"):
        return schema.get("minimum", schema.get("exclusiveMinimum", -1) + 1)
    return {"boolean": False, "null": None}.get(kind)


def _valid(value: Any, schema: dict[str, Any]) -> bool:
    return jsonschema.Draft202012Validator(schema).is_valid(value)


def inline_refs(schema: Any, defs: dict[str, Any] | None = None) -> Any:
    """The schema with its local ``#/$defs/...`` references replaced by what they name (pydantic writes enums
    that way), so each property's sub-schema validates on its own."""
    if defs is None and isinstance(schema, dict):
        defs = schema.get("$defs", {})
    if isinstance(schema, list):
        return [inline_refs(item, defs) for item in schema]
    if not isinstance(schema, dict):
        return schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/") and defs and ref[8:] in defs:
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        return inline_refs({**defs[ref[8:]], **rest}, defs)
    return {key: inline_refs(value, defs) for key, value in schema.items() if key != "$defs"}


def fill(schema: dict[str, Any], facts: dict[str, Any]) -> dict[str, Any]:
    """An object for ``schema`` whose properties come from ``facts`` where they fit, defaults elsewhere."""
    schema = inline_refs(schema)
    properties: dict[str, Any] = schema.get("properties", {})
    names = list(properties) if schema.get("additionalProperties") is False or schema.get("required") is None \
        else list(dict.fromkeys([*schema.get("required", []), *properties]))
    value: dict[str, Any] = {}
    for name in names:
        sub = properties.get(name, {})
        candidate = facts.get(name)
        if name in facts and _valid(candidate, sub):
            value[name] = candidate
        elif name in facts and isinstance(candidate, list):  # keep the items that fit (e.g. a maxLength)
            limit = sub.get("maxItems", len(candidate))
            kept = [item for item in candidate if _valid(item, sub.get("items", {}))][:limit]
            value[name] = kept if _valid(kept, sub) else default_for(sub)
        elif name in facts and isinstance(candidate, str) and _valid(candidate[: sub.get("maxLength", 0)], sub):
            value[name] = candidate[: sub["maxLength"]]
        else:
            value[name] = default_for(sub)
    if _valid(value, schema):
        return value
    fallback = default_for({**schema, "type": "object"})
    if isinstance(fallback, dict) and _valid(fallback, schema):
        return fallback
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(value), key=str)
    raise SchemaUnsatisfiable(f"the reference model cannot produce a value for this schema: "
                              f"{errors[0].message if errors else 'no valid default'}")
