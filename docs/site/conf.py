"""Sphinx configuration of the documentation site that ``make docs`` builds (see tools/build_docs.py).

The site is the example notebooks as committed (never re-executed: nbval proves their outputs) and an
API reference generated from the docstrings. tools/build_docs.py copies this folder, the notebooks
and the README's opening into a staging folder and builds it with warnings as errors, so the checks
below fail the build:

- every class, function, method and property documented has a docstring;
- every public name (``sharedcloud_nb.__all__``, and the ``__all__`` of the public modules in it) is
  in the reference;
- a cross-reference that resolves nowhere is an error (``nitpicky``), except to the libraries the
  package builds on, which are documented elsewhere and not fetched (the build needs no internet).

Objects are documented at their public paths (``sharedcloud_nb.Client``, ``sharedcloud_nb.plots.runtimes``),
so moving code between private modules changes no page. Annotations name the defining module
(``sharedcloud_nb.client.Client``); :func:`_resolve_private_paths` points them at the public entry.
"""

from __future__ import annotations

import importlib
import inspect
import sys
import types
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import PycodeError
from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging

import sharedcloud_nb

logger = logging.getLogger("sharedcloud_nb.docs")

project = "sharedcloud_nb"
author = "sharedcloud_nb contributors"
copyright = "sharedcloud_nb contributors"
release = version = sharedcloud_nb.__version__

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon"]
root_doc = "index"
exclude_patterns = ["**/.ipynb_checkpoints"]
# The landing page's text is the README's, included by index.md; it is not a page of its own.
exclude_patterns += ["_readme.md"]

# -- Notebooks: rendered as committed ------------------------------------------------------------
nb_execution_mode = "off"
# Widgets were saved without their state (it could hold a token), so a widget view would render as
# nothing: show the widget's text instead, and load no ipywidgets script (it would come from a CDN).
nb_mime_priority_overrides = [("html", "application/vnd.jupyter.widget-view+json", None)]
nb_ipywidgets_js: dict[str, dict[str, str]] = {}
myst_heading_anchors = 3

# -- API reference -------------------------------------------------------------------------------
# No "undoc-members": a public method without a docstring is reported by _skip_member instead, and
# attributes are documented by the class's "Attributes" section, once.
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
# The widgets document their observable traits in a "Traits:" section, laid out like "Args:".
napoleon_custom_sections = [("Traits", "params_style")]
add_module_names = False
python_maximum_signature_line_length = 100

nitpicky = True
# The libraries the package builds on: documented on their own sites, which an offline build does
# not fetch (no intersphinx). Anything else that resolves nowhere fails the build.
_EXTERNAL = (
    "pandas|pd|numpy|np|pyarrow|pa|requests|urllib3|matplotlib|plt|ipywidgets|traitlets|"
    "collections|typing|typing_extensions|datetime|dt|pathlib|os|io|http|socket|socketserver|threading|"
    "types|re|json|enum|logging|argparse|email|queue|concurrent"
)
nitpick_ignore_regex = [
    (r"py:.*", rf"~?({_EXTERNAL})(\..+)?"),
    # traitlets annotates a trait's value as ``t.Any`` (its alias of typing).
    (r"py:class", r"t\.Any"),
    # A private helper type named in a public signature or as a base: there is no page for it on purpose.
    (r"py:.*", r"sharedcloud_nb(\.\w+)*\._\w+(\..+)?"),
]

# -- Theme: everything served from the site itself (no CDN, no fonts or analytics from the network) --
html_theme = "pydata_sphinx_theme"
html_title = f"sharedcloud_nb {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "navbar_align": "left",
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_show_sourcelink = False
html_copy_source = False
html_last_updated_fmt = None


# -- Checks ----------------------------------------------------------------------------------------
_NEED_DOCSTRING = {"module", "class", "exception", "function", "method", "property", "classmethod", "staticmethod"}


def _constant_doc(name: str, obj: Any) -> list[str]:
    """The docstring of a constant where it is defined (``X = 1`` then ``\"\"\"doc\"\"\"``), found
    through the package module that holds the very same object: autodoc reads it only from the
    module it is documented in, which for a re-exported constant is the wrong one."""
    attr = name.rpartition(".")[2]
    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith("sharedcloud_nb") or vars(module).get(attr, obj is None) is not obj:
            continue
        try:
            docs = ModuleAnalyzer.for_module(module_name).find_attr_docs()
        except PycodeError:
            continue
        if ("", attr) in docs:
            return list(docs[("", attr)])
    return []


def _require_docstring(app: Sphinx, what: str, name: str, obj: Any, options: dict[str, Any], lines: list[str]) -> None:
    """A public object documented without a docstring fails the build (as a warning, under -W)."""
    if what == "data":
        # Without a docstring of its own, a constant would show its type's (``dict``'s) docstring.
        lines[:] = _constant_doc(name, obj)
    if (what in _NEED_DOCSTRING or what == "data") and not any(line.strip() for line in lines):
        logger.warning("%s %s has no docstring", what, name, type="sharedcloud_nb", subtype="docstring")


def _skip_member(app: Sphinx, what: str, name: str, obj: Any, skip: bool, options: dict[str, Any]) -> bool | None:
    """A public method, property or nested class left out for want of a docstring fails the build."""
    documentable = inspect.isroutine(obj) or isinstance(obj, property) or inspect.isclass(obj)
    if (
        skip
        and documentable
        and what in ("class", "exception")
        and not name.startswith("_")
        and not inspect.getdoc(obj)
    ):
        logger.warning("%s of a documented class has no docstring", name, type="sharedcloud_nb", subtype="docstring")
    return None


def _drop_private_bases(app: Sphinx, name: str, obj: Any, options: dict[str, Any], bases: list[Any]) -> None:
    """``Bases:`` lists the public classes only; a private mixin is an implementation detail."""
    bases[:] = [base for base in bases if not getattr(base, "__name__", "").startswith("_")]


def _public_names() -> dict[str, Any]:
    """Every public name, by its public path: ``sharedcloud_nb.__all__`` and, for each module in it,
    the classes and functions of that module's ``__all__``."""
    names: dict[str, Any] = {}
    for name in sharedcloud_nb.__all__:
        obj = getattr(sharedcloud_nb, name)
        names[f"sharedcloud_nb.{name}"] = obj
        if isinstance(obj, types.ModuleType):
            for sub in getattr(obj, "__all__", ()):
                member = getattr(obj, sub)
                if inspect.isclass(member) or inspect.isroutine(member):
                    names[f"{obj.__name__}.{sub}"] = member
    return names


def _check_coverage(app: Sphinx, env: BuildEnvironment) -> None:
    """Every public name is documented at its public path."""
    documented = set(env.get_domain("py").objects)
    for name in sorted(set(_public_names()) - documented):
        logger.warning(
            "public name %s is not in the API reference (add it to a page of docs/site/api/)",
            name,
            type="sharedcloud_nb",
            subtype="coverage",
        )


def _lookup(path: str) -> Any:
    """The object at a dotted path such as ``sharedcloud_nb.Client.images`` (None if there is none)."""
    parts = path.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        try:
            for attr in parts[split:]:
                obj = inspect.getattr_static(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def _defining_path(obj: Any) -> str | None:
    """Where an object is defined (``sharedcloud_nb.client.Client``), as annotations name it."""
    target = obj.fget if isinstance(obj, property) else getattr(obj, "__func__", obj)
    module, qualname = getattr(target, "__module__", None), getattr(target, "__qualname__", None)
    return f"{module}.{qualname}" if module and qualname else None


def _index_private_paths(app: Sphinx, env: BuildEnvironment) -> None:
    """Map each documented object's defining path to its public path, for the resolver below."""
    aliases: dict[str, str] = {}
    for name, entry in env.get_domain("py").objects.items():
        if entry.objtype in ("module", "data", "attribute"):
            continue
        defined = _defining_path(_lookup(name))
        if defined and defined != name:
            aliases.setdefault(defined, name)
    app.sharedcloud_aliases = aliases  # type: ignore[attr-defined]  # read by _resolve_private_paths


def _candidates(node: nodes.Element) -> list[str]:
    """The full paths a reference may mean: as written, then in its class's and its module's scope."""
    target = node.get("reftarget", "").lstrip("~.")
    module, cls = node.get("py:module"), node.get("py:class")
    paths = [target]
    if module and cls:
        paths.append(f"{module}.{cls}.{target}")
    if module:
        paths.append(f"{module}.{target}")
    return paths


def _exists_in_package(node: nodes.Element) -> bool:
    """True when a reference names a real object of the package, in some scope or module of it."""
    if any(path.startswith("sharedcloud_nb") and _lookup(path) is not None for path in _candidates(node)):
        return True
    target = node.get("reftarget", "").lstrip("~.")
    return "." not in target and any(
        name.startswith("sharedcloud_nb") and module is not None and target in vars(module)
        for name, module in list(sys.modules.items())
    )


def _resolve_private_paths(
    app: Sphinx, env: BuildEnvironment, node: nodes.Element, contnode: nodes.Element
) -> nodes.Element | None:
    """Resolve what the Python domain could not, or leave it to fail the build.

    - ``sharedcloud_nb.client.Client`` (how annotations name it) links to ``sharedcloud_nb.Client``;
    - an unqualified name (``:class:`TokenForm```) links to the one documented object of that name:
      it means the object of the docstring's own module, which may not be the public module the
      docstring is shown in;
    - a reference to a real object of the package that has no page (a private module, a helper
      type) is shown as text, unlinked;
    - anything else (a typo, a renamed or removed object) stays unresolved: under ``nitpicky`` and
      ``-W`` that fails the build.
    """
    if node.get("refdomain") != "py":
        return None
    domain = env.get_domain("py")
    aliases: dict[str, str] = getattr(app, "sharedcloud_aliases", {})
    public = next((aliases[path] for path in _candidates(node) if path in aliases), None)
    target = node.get("reftarget", "")
    if public is None and "." not in target:
        kinds = domain.objtypes_for_role(node["reftype"]) or ()
        matches = [
            name
            for name, entry in domain.objects.items()
            if name.rsplit(".", 1)[-1] == target and entry.objtype in kinds
        ]
        public = matches[0] if len(matches) == 1 else None
    if public is not None:
        resolved = domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"], public, node, contnode)
        if resolved is not None:
            return resolved
    if _exists_in_package(node):
        return contnode
    return None


def _alt_text_for_plots(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Notebook plots get an alternative text naming the question they answer (their section)."""
    if not docname.startswith("notebooks/"):
        return
    title = app.env.titles[docname].astext()
    for image in doctree.findall(nodes.image):
        section = image.parent
        while section is not None and not isinstance(section, nodes.section):
            section = section.parent
        heading = section.next_node(nodes.title) if section is not None else None
        image["alt"] = f"Plot: {heading.astext() if heading is not None else title}"


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the checks and the resolver (this file is the site's own extension)."""
    app.connect("autodoc-process-docstring", _require_docstring)
    app.connect("autodoc-skip-member", _skip_member)
    app.connect("autodoc-process-bases", _drop_private_bases)
    app.connect("env-check-consistency", _check_coverage)
    app.connect("env-updated", _index_private_paths)
    app.connect("missing-reference", _resolve_private_paths)
    app.connect("doctree-resolved", _alt_text_for_plots)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
