r"""Draws the package's imports: `docs/imports.png`.

  python docs/import_graph.py

One node per module of `hypernet_l1`, an arrow from each module to those it
imports; the modules that read a run (from `load_run` on) are blue, the
training loop and what only it uses orange. `tests/test_architecture.py`
checks the property the picture shows, with the same parser.
"""

import ast
import pathlib

REPO = pathlib.Path(__file__).resolve().parents[1]
TRAINING_ONLY = ("train", "runcontrol", "config_validation", "sharding")


def module_path(name: str) -> pathlib.Path | None:
  """The file of module `name` in this repository, or None."""
  path = REPO / (name.replace(".", "/") + ".py")
  if path.exists():
    return path
  init = REPO / name.replace(".", "/") / "__init__.py"
  return init if init.exists() else None


def imports(name: str) -> set[str]:
  """Modules `name` imports (absolute names; `from a import b` gives a.b
  when a.b is a module of this repository, else a)."""
  tree = ast.parse(module_path(name).read_text())
  found = set()
  for node in ast.walk(tree):
    if isinstance(node, ast.Import):
      found.update(alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom) and node.module:
      for alias in node.names:
        full = f"{node.module}.{alias.name}"
        found.add(full if module_path(full) else node.module)
  return found


def closure(start: str) -> set[str]:
  """Every module reachable from `start`; outside modules by top-level name."""
  seen, todo = set(), [start]
  while todo:
    name = todo.pop()
    if name in seen:
      continue
    seen.add(name)
    if module_path(name) is None:
      seen.add(name.split(".")[0])
      continue
    todo.extend(imports(name))
  return seen


def main() -> None:
  import matplotlib  # pylint: disable=g-import-not-at-top
  matplotlib.use("Agg")
  from matplotlib.figure import Figure  # pylint: disable=g-import-not-at-top
  import networkx as nx  # pylint: disable=g-import-not-at-top

  modules = sorted(
      "hypernet_l1." + ".".join(p.relative_to(REPO / "hypernet_l1")
                                .with_suffix("").parts).replace(
                                    ".__init__", "")
      for p in (REPO / "hypernet_l1").rglob("*.py")
      if p.name != "__init__.py" or p.parent.name == "tasks")
  graph = nx.DiGraph()
  for name in modules:
    short = name.removeprefix("hypernet_l1.")
    graph.add_node(short)
    for target in imports(name):
      if target.startswith("hypernet_l1.") and target in modules:
        graph.add_edge(short, target.removeprefix("hypernet_l1."))
  readers = {m.removeprefix("hypernet_l1.") for m in closure("hypernet_l1.run")
             | closure("hypernet_l1.reports")
             if m.startswith("hypernet_l1.")}
  colour = ["#1f77b4" if node in readers else
            "#ff7f0e" if node in TRAINING_ONLY else "#bbbbbb"
            for node in graph.nodes]
  # Layers by the longest chain of imports below a module: the modules
  # everything imports at the bottom, the launch-facing ones at the top.
  for node in nx.topological_sort(graph.reverse()):
    graph.nodes[node]["layer"] = max(
        (graph.nodes[t]["layer"] + 1 for t in graph.successors(node)),
        default=0)
  pos = nx.multipartite_layout(graph, subset_key="layer", align="horizontal")
  fig = Figure(figsize=(13, 8))
  ax = fig.add_subplot()
  nx.draw_networkx_edges(graph, pos, ax=ax, edge_color="#aaaaaa",
                         arrowsize=7, node_size=1400, width=0.7)
  nx.draw_networkx_nodes(graph, pos, ax=ax, node_color=colour,
                         node_size=1400, alpha=0.9)
  nx.draw_networkx_labels(graph, pos, ax=ax, font_size=7)
  ax.set_title("hypernet_l1 imports: blue = reached from load_run / reports "
               "(reading a run), orange = training only")
  ax.set_axis_off()
  fig.tight_layout()
  fig.savefig(REPO / "docs" / "imports.png", dpi=110)


if __name__ == "__main__":
  main()
