"""The IMAGE builder: `Name -NAMES{at}-> Artifact` for the tag as observed, and for an
image index `Artifact -CONTAINS{platform}-> Artifact` for each platform manifest."""

from __future__ import annotations

from ..documents import Document
from ..formats.oci_image import ImageRecord
from ..graph.refs import name_node_props
from ..model import Batch, DocumentInfo, Edge, EdgeKind, Node, NodeKind, NodeRef
from .contract import BuildContext, Built


def build_image(record: ImageRecord, document: Document, ctx: BuildContext) -> Built:
    image = NodeRef(NodeKind.ARTIFACT, record.digest)
    nodes = [Node(NodeKind.ARTIFACT, record.digest,
                  {"media_type": record.media_type, "repository": record.name})]
    edges: list[Edge] = []
    for platform in record.manifests:
        nodes.append(Node(NodeKind.ARTIFACT, platform.digest,
                          {"media_type": platform.media_type, "platform": platform.platform,
                           "repository": record.name}))
        edges.append(Edge(EdgeKind.CONTAINS, image,
                          NodeRef(NodeKind.ARTIFACT, platform.digest),
                          {"platform": platform.platform} if platform.platform else {}))
    name = f"{record.name}:{record.tag}" if record.tag else record.name
    nodes.append(Node(NodeKind.NAME, name, name_node_props(name)))
    edges.append(Edge(EdgeKind.NAMES, NodeRef(NodeKind.NAME, name), image,
                      {"at": record.observed_at, "source": "registry"}))
    info = DocumentInfo(document.digest, str(document.kind), str(document.format),
                        document.name)
    summary = {"digest": record.digest, "platforms": len(record.manifests)}
    return Built(Batch(info, nodes, edges), summary, [])
