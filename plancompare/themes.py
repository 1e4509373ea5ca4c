"""Theme sets: the built-in health taxonomy and user-supplied themes.

>>> from plancompare.themes import builtin_themes, load_themes, select_themes
>>> len(builtin_themes()) >= 45
True
>>> [t.name for t in load_themes(["托育", "碳中和"])]
['托育', '碳中和']
>>> load_themes({"控烟": "无烟单位、戒烟门诊"})[0].description
'无烟单位、戒烟门诊'
>>> [t.name for t in select_themes(builtin_themes(), ["托育", "中医药"])]
['托育', '中医药']

A theme file is YAML, either a list of themes or a mapping from name to a
description (or to a mapping of fields)::

    - name: 托育
      description: 婴幼儿照护服务
      keywords: [托育, 托位]
      examples: [新增托位5000个]

    # or
    托育: 婴幼儿照护服务
    控烟: {description: 无烟单位和戒烟服务, keywords: [控烟, 戒烟]}

Invalid files raise :class:`~plancompare.errors.ThemeFileError` naming the
file, the line and the field.
"""

from __future__ import annotations

import difflib
import functools
import importlib.resources
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from .errors import ThemeFileError
from .model import Theme

__all__ = ["builtin_themes", "load_themes", "select_themes"]

_FIELDS = ("name", "name_en", "group", "description", "keywords", "examples")
_STR_FIELDS = ("name", "name_en", "group", "description")
_LIST_FIELDS = ("keywords", "examples")
_SPEC = "<themes spec>"  # "path" used in errors for in-memory specs
_BUILTIN = "plancompare/data/themes.yaml"


# --------------------------------------------------------------------------- public API


def builtin_themes() -> list[Theme]:
    """The built-in taxonomy of Chinese health-plan themes (``data/themes.yaml``).

    Loaded once and cached; each call returns a new list of the same frozen themes.

    >>> themes = builtin_themes()
    >>> next(t for t in themes if t.name == "托育").keywords[:2]
    ('托育', '托位')
    """
    return list(_builtin())


def load_themes(spec: Any = None) -> list[Theme]:
    """Themes from any supported spec.

    * ``None`` — the built-in taxonomy;
    * a list of :class:`Theme`, names (a built-in theme of that name, else a bare
      theme whose only keyword is the name) or dicts with the theme fields;
    * a dict ``{name: description}`` or ``{name: {description, keywords, examples, ...}}``;
    * a path (``str`` / ``Path``) to a YAML file in list or mapping form.

    Raises :class:`ThemeFileError` (with line and field for files) on invalid input.

    >>> load_themes([{"name": "控烟", "keywords": ["控烟", "戒烟"]}])[0].keywords
    ('控烟', '戒烟')
    >>> load_themes([{"nme": "控烟"}])
    Traceback (most recent call last):
    ...
    plancompare.errors.ThemeFileError: <themes spec> (field 'nme'): unknown field 'nme' (valid: name, name_en, group, description, keywords, examples); did you mean 'name'?
    """
    if spec is None:
        return builtin_themes()
    if isinstance(spec, Theme):
        return [spec]
    if isinstance(spec, (str, Path)):
        return _load_file(Path(spec))
    if isinstance(spec, Mapping):
        return _check_unique([_from_mapping_entry(k, v, _SPEC, None) for k, v in spec.items()], _SPEC)
    if isinstance(spec, Iterable):
        return _check_unique([_from_list_entry(x, _SPEC, None, i) for i, x in enumerate(spec)], _SPEC)
    raise ThemeFileError(_SPEC, f"expected None, a list, a dict or a YAML path, got {type(spec).__name__}")


def select_themes(themes: Sequence[Theme], names: Iterable[str]) -> list[Theme]:
    """The themes named in ``names`` (theme names or group names), in the order given.

    A group name (e.g. ``公共卫生``) selects every theme of that group; each theme
    appears once. Unknown names raise :class:`ThemeFileError` with the closest match.

    >>> [t.name for t in select_themes(builtin_themes(), ["无偿献血", "托育"])]
    ['无偿献血', '托育']
    >>> {t.group for t in select_themes(builtin_themes(), ["公共卫生"])}
    {'公共卫生'}
    """
    if isinstance(names, str):
        names = [names]
    by_name = {t.name: t for t in themes}
    groups: dict[str, list[Theme]] = {}
    for t in themes:
        if t.group:
            groups.setdefault(t.group, []).append(t)
    out: list[Theme] = []
    seen: set[str] = set()
    for name in names:
        if name in by_name:
            picked = [by_name[name]]
        elif name in groups:
            picked = groups[name]
        else:
            raise ThemeFileError(
                _SPEC, f"unknown theme {name!r}{_suggest(name, [*by_name, *groups])}", field="name"
            )
        for t in picked:
            if t.name not in seen:
                seen.add(t.name)
                out.append(t)
    return out


# --------------------------------------------------------------------------- loading


@functools.cache
def _builtin() -> tuple[Theme, ...]:
    text = (
        importlib.resources.files("plancompare").joinpath("data", "themes.yaml").read_text(encoding="utf-8")
    )
    return tuple(_parse_yaml(text, _BUILTIN))


def _load_file(path: Path) -> list[Theme]:
    if not path.is_file():
        problem = "theme file not found" if not path.exists() else "not a file"
        if path.suffix.lower() not in (".yaml", ".yml"):
            problem += f" (to pick themes by name pass a list, e.g. load_themes([{str(path)!r}]))"
        raise ThemeFileError(path, problem)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise ThemeFileError(path, f"not UTF-8 text ({e.reason} at byte {e.start})") from None
    return _parse_yaml(text, str(path))


def _parse_yaml(text: str, path: str) -> list[Theme]:
    try:
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        raise ThemeFileError(path, f"invalid YAML: {e.problem or e}", line=line) from None
    except RecursionError:
        raise ThemeFileError(path, "invalid YAML: lists or mappings nested too deeply") from None
    if root is None:
        raise ThemeFileError(path, "file is empty: expected a list of themes or a mapping name → description")
    _refuse_tags(root, path)
    # `themes:` wrapper, so a theme file can carry other top-level keys later
    if isinstance(root, yaml.MappingNode):
        keys = {k.value: v for k, v in root.value if isinstance(k, yaml.ScalarNode)}
        if set(keys) == {"themes"}:
            root = keys["themes"]
    _resolve_merges(root, path)
    if isinstance(root, yaml.SequenceNode | yaml.MappingNode) and not root.value:
        raise ThemeFileError(path, "no themes in the file (an empty list or mapping)", line=_line(root))
    if isinstance(root, yaml.SequenceNode):
        themes = [_from_list_entry(_Node(n), path, _line(n), i) for i, n in enumerate(root.value)]
    elif isinstance(root, yaml.MappingNode):
        _no_duplicate_keys(root, path, what="theme name")
        themes = [_from_mapping_entry(_scalar_key(k, path), _Node(v), path, _line(k)) for k, v in root.value]
    else:
        raise ThemeFileError(
            path,
            "expected a list of themes or a mapping name → description, got a single value",
            line=_line(root),
        )
    return _check_unique(themes, path)


# --------------------------------------------------------------------------- entries


class _Node:
    """A YAML node with its Python value and per-key line numbers (for error messages)."""

    def __init__(self, node: yaml.Node) -> None:
        self.node = node
        self.line = _line(node)
        self.value = yaml.SafeLoader("").construct_document(node)


def _from_list_entry(x: Any, path: str, line: int | None, index: int) -> tuple[Theme, int | None]:
    node = x if isinstance(x, _Node) else None
    value = node.value if node else x
    if isinstance(value, Theme):
        return value, line
    if isinstance(value, str):
        return _from_name(value, path, line), line
    if isinstance(value, Mapping):
        return _from_fields(value, path, line, node), line
    raise ThemeFileError(
        path,
        f"theme #{index + 1} should be a name or a mapping with 'name', got {_kind(value)}",
        line=line,
    )


def _from_mapping_entry(name: Any, x: Any, path: str, line: int | None) -> tuple[Theme, int | None]:
    node = x if isinstance(x, _Node) else None
    value = node.value if node else x
    if not isinstance(name, str) or not name.strip():
        raise ThemeFileError(
            path, f"theme name must be a non-empty string, got {name!r}", line=line, field="name"
        )
    if value is None:
        return _from_name(name, path, line), line
    if isinstance(value, str):
        # the name is always looked for (plancompare.terms); no keyword list means "derive the terms"
        return Theme(name=name.strip(), description=value.strip()), line
    if isinstance(value, Mapping):
        if "name" in value and value["name"] != name:
            raise ThemeFileError(
                path,
                f"theme {name!r} has a different 'name' field {value['name']!r}",
                line=_field_line(node, "name", line),
                field="name",
            )
        return _from_fields({**value, "name": name}, path, line, node), line
    raise ThemeFileError(
        path,
        f"theme {name!r} should map to a description or a mapping of fields, got {_kind(value)}",
        line=node.line if node else line,
    )


def _from_name(name: str, path: str, line: int | None) -> Theme:
    name = name.strip()
    if not name:
        raise ThemeFileError(path, "empty theme name", line=line, field="name")
    builtin = {t.name: t for t in _builtin()} if path != _BUILTIN else {}
    # a bare name reuses the built-in definition; otherwise the name is its own keyword
    return builtin.get(name) or Theme(name=name, keywords=(_to_simplified(name),))


def _from_fields(value: Mapping[Any, Any], path: str, line: int | None, node: _Node | None) -> Theme:
    if node is not None:
        _no_duplicate_keys(node.node, path, what="field")
    for key in value:
        if key not in _FIELDS:
            raise ThemeFileError(
                path,
                f"unknown field {key!r} (valid: {', '.join(_FIELDS)}){_suggest(str(key), _FIELDS)}",
                line=_field_line(node, key, line),
                field=str(key),
            )
    if "name" not in value:
        raise ThemeFileError(path, "theme has no 'name'", line=line, field="name")
    out: dict[str, Any] = {}
    for key in _STR_FIELDS:
        v = value.get(key, "")
        if v is None:
            v = ""
        if not isinstance(v, str):
            raise ThemeFileError(
                path,
                f"{key!r} must be a string, got {_kind(v)}",
                line=_field_line(node, key, line),
                field=key,
            )
        out[key] = v.strip()
    if not out["name"]:
        raise ThemeFileError(path, "theme name is empty", line=_field_line(node, "name", line), field="name")
    for key in _LIST_FIELDS:
        out[key] = _str_list(value.get(key), key, out["name"], path, _field_line(node, key, line))
    out["keywords"] = tuple(dict.fromkeys(_to_simplified(k) for k in out["keywords"]))
    return Theme(**out)


def _str_list(v: Any, key: str, name: str, path: str, line: int | None) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str) or not isinstance(v, Sequence):
        raise ThemeFileError(
            path,
            f"{key!r} of theme {name!r} must be a list of strings, got {_kind(v)} "
            f"(write {key}: [a, b] or one '- item' per line)",
            line=line,
            field=key,
        )
    out = []
    for i, item in enumerate(v):
        if not isinstance(item, str) or not item.strip():
            hint = " (quote numbers, e.g. '120')" if isinstance(item, (int, float)) else ""
            raise ThemeFileError(
                path,
                f"{key!r} of theme {name!r} must be a list of non-empty strings; item {i + 1} is {_kind(item)}{hint}",
                line=line,
                field=key,
            )
        out.append(item.strip())
    return tuple(out)


def _check_unique(themes: list[tuple[Theme, int | None]], path: str) -> list[Theme]:
    first: dict[str, int | None] = {}
    for theme, line in themes:
        if theme.name in first:
            where = f" (first defined at line {first[theme.name]})" if first[theme.name] else ""
            raise ThemeFileError(path, f"duplicate theme name {theme.name!r}{where}", line=line, field="name")
        first[theme.name] = line
    return [t for t, _ in themes]


# --------------------------------------------------------------------------- helpers


def _line(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None and node.start_mark is not None else None


def _field_line(node: _Node | None, key: Any, default: int | None) -> int | None:
    if node is not None and isinstance(node.node, yaml.MappingNode):
        for k, _ in node.node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return _line(k)
    return node.line if node is not None else default


def _scalar_key(node: yaml.Node, path: str) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        raise ThemeFileError(path, "theme names must be plain strings", line=_line(node), field="name")
    return yaml.SafeLoader("").construct_object(node)


# Plain YAML only: lists, mappings, strings, numbers, booleans, null and merge keys (`<<: *base`).
_SAFE_TAGS = {
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map", "merge")
}


def _walk(root: yaml.Node) -> list[yaml.Node]:
    """Every distinct node once (aliases share nodes: an anchor bomb stays small), iteratively."""
    seen: set[int] = set()
    out: list[yaml.Node] = []
    todo = [root]
    while todo:
        n = todo.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        out.append(n)
        if isinstance(n, yaml.SequenceNode):
            todo += n.value
        elif isinstance(n, yaml.MappingNode):
            todo += [x for kv in n.value for x in kv]
    return out


def _refuse_tags(root: yaml.Node, path: str) -> None:
    """A tag (``!!python/object/apply:…``, ``!custom``) is refused, naming its line."""
    for n in _walk(root):
        if n.tag not in _SAFE_TAGS:
            tag = n.tag.replace("tag:yaml.org,2002:", "!!")
            raise ThemeFileError(
                path,
                f"YAML tag {tag!r} is not allowed in a theme file (only plain lists, mappings and text)",
                line=_line(n),
            )


def _resolve_merges(root: yaml.Node, path: str) -> None:
    """Apply merge keys (``<<: *base``) in place; explicit keys override merged ones.

    Duplicate keys are checked first, among the explicitly written keys only.
    """
    for n in _walk(root):
        if not isinstance(n, yaml.MappingNode):
            continue
        _no_duplicate_keys(n, path, what="theme name" if n is root else "field")
        if not any(k.tag == "tag:yaml.org,2002:merge" for k, _ in n.value):
            continue
        try:
            yaml.SafeLoader("").flatten_mapping(n)
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            raise ThemeFileError(
                path, f"invalid merge key: {e.problem or e}", line=mark.line + 1 if mark else _line(n)
            ) from None
        last: dict[object, int] = {}
        for i, (k, _) in enumerate(n.value):
            last[_key_of(k)] = i
        n.value = [kv for i, kv in enumerate(n.value) if last.get(_key_of(kv[0])) == i]


def _key_of(k: yaml.Node) -> object:
    return k.value if isinstance(k, yaml.ScalarNode) else id(k)


def _no_duplicate_keys(node: yaml.Node, path: str, *, what: str) -> None:
    if not isinstance(node, yaml.MappingNode):
        return
    seen: dict[str, int | None] = {}
    for k, _ in node.value:
        if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge":
            if k.value in seen:
                field = "name" if what == "theme name" else k.value
                raise ThemeFileError(
                    path,
                    f"duplicate {what} {k.value!r} (first at line {seen[k.value]})",
                    line=_line(k),
                    field=field,
                )
            seen[k.value] = _line(k)


def _suggest(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""


def _kind(v: Any) -> str:
    if isinstance(v, Mapping):
        return "a mapping"
    if isinstance(v, (list, tuple)):
        return "a list"
    return f"{v!r} ({type(v).__name__})"


@functools.cache
def _converter() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(s: str) -> str:
    """``s`` in Simplified script (plan text is matched in Simplified)."""
    return _to_simplified(s)


def _to_simplified(s: str) -> str:
    # plan text is matched in Simplified, so user keywords in Traditional still hit
    return _converter().convert(s) if any(ord(c) > 0x2E80 for c in s) else s
