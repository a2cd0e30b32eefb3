#!/usr/bin/env python3
"""Draws docs/architecture.svg from the boxes and arrows below: edit them here, then run `python3 docs/architecture.py`."""
from pathlib import Path

# (id, label, sub-label, column, row); columns and rows are grid cells.
BOXES = [
    ("clients", "Browsers, SDKs, webhooks", "Segment libraries, Twilio, provider desks", 0, 1),
    ("gateway", "Gateway", "YARP, one public entry", 1, 1),
    ("web", "Web", "member portal, operator console", 2, 0),
    ("ingestion", "Ingestion", "Tracking API, sources, warehouse", 2, 1),
    ("loyalty", "Loyalty", "points, tiers, offers, coupons", 2, 2),
    ("bus", "RabbitMQ", "MassTransit: events, facts", 3, 1),
    ("profiles", "Profiles", "identity resolution, Profile API", 4, 0),
    ("audiences", "Audiences", "traits, audiences, reverse ETL", 4, 1),
    ("messaging", "Messaging", "SMS, consent, journeys", 4, 2),
    ("destinations", "Destinations", "webhooks, mappings, syncs", 3, 3),
    ("twilio", "Twilio API", "sandbox in development", 5, 2),
    ("stores", "PostgreSQL · Redis", "a database per service; cache, counters", 1, 3),
]
ARROWS = [
    ("clients", "gateway"), ("gateway", "web"), ("gateway", "ingestion"), ("gateway", "loyalty"),
    ("ingestion", "bus"), ("loyalty", "bus"), ("bus", "profiles"), ("bus", "audiences"), ("bus", "messaging"),
    ("bus", "destinations"), ("messaging", "twilio"),
]
W, H, GX, GY, PAD = 215, 62, 250, 100, 20


def centre(box):
    _, _, _, col, row = box
    return PAD + col * GX + W / 2, PAD + row * GY + H / 2


def main():
    boxes = {b[0]: b for b in BOXES}
    width = PAD * 2 + 5 * GX + W
    height = PAD * 2 + 3 * GY + H
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse">'
        '<path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    for source, target in ARROWS:
        (x1, y1), (x2, y2) = centre(boxes[source]), centre(boxes[target])
        # Leave the source box and stop at the target box's edge.
        dx, dy = x2 - x1, y2 - y1
        scale = min(abs((W / 2) / dx) if dx else 1e9, abs((H / 2) / dy) if dy else 1e9)
        parts.append(f'<line x1="{x1 + dx * scale:.0f}" y1="{y1 + dy * scale:.0f}" x2="{x2 - dx * scale:.0f}" y2="{y2 - dy * scale:.0f}" '
                     'stroke="#555" stroke-width="1.5" marker-end="url(#arrow)"/>')
    for key, label, sub, col, row in BOXES:
        x, y = PAD + col * GX, PAD + row * GY
        fill = "#eef3fb" if key not in ("bus", "stores", "twilio", "clients") else "#f6f6f6"
        parts.append(f'<rect x="{x}" y="{y}" width="{W}" height="{H}" rx="8" fill="{fill}" stroke="#35588f"/>')
        parts.append(f'<text x="{x + W / 2}" y="{y + 26}" text-anchor="middle" font-size="15" font-weight="bold">{label}</text>')
        parts.append(f'<text x="{x + W / 2}" y="{y + 46}" text-anchor="middle" font-size="11" fill="#444">{sub}</text>')
    parts.append("</svg>")
    Path(__file__).with_name("architecture.svg").write_text("\n".join(parts) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
