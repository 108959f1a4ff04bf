"""XML media types answered as XML, following the schemas' `xml` objects (name, attribute, wrapped,
namespace, prefix), from the example or from the generated value, through a real `apigw serve`."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import httpx

from tests.helpers import serve_process

SPEC = """openapi: 3.0.3
info: {title: xml, version: "1"}
paths:
  /pets:
    get:
      responses:
        "200":
          description: ok
          content:
            application/xml:
              schema:
                type: array
                xml: {name: pets, wrapped: true}
                items: {$ref: "#/components/schemas/Pet"}
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/Pet"}}
  /pets/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses:
        "200":
          description: ok
          content:
            text/xml:
              schema: {$ref: "#/components/schemas/Pet"}
              example: {id: 7, name: "Rex & co", tags: [a, b]}
components:
  schemas:
    Pet:
      type: object
      xml: {name: pet, namespace: "https://example.org/pets", prefix: p}
      required: [id, name]
      properties:
        id: {type: integer, minimum: 1, xml: {attribute: true}}
        name: {type: string}
        tags:
          type: array
          xml: {wrapped: true}
          items: {type: string, xml: {name: tag}}
"""
NS = "{https://example.org/pets}"


def test_xml_from_the_example_and_from_the_schema(tmp_path: Path) -> None:
    spec = tmp_path / "api.yaml"
    spec.write_text(SPEC)
    with serve_process(str(spec), "--no-reload") as base:
        one = httpx.get(f"{base}/pets/7", timeout=10)
        many = httpx.get(f"{base}/pets", headers={"Accept": "application/xml"}, timeout=10)
        json_too = httpx.get(f"{base}/pets", timeout=10)
    assert one.headers["content-type"].startswith("text/xml")
    pet = ElementTree.fromstring(one.content)
    assert pet.tag == f"{NS}pet" and pet.attrib == {"id": "7"}
    assert pet.findtext("name") == "Rex & co"  # escaped in the XML, back as it was
    assert [tag.text for tag in pet.find("tags") or []] == ["a", "b"]
    assert many.headers["content-type"].startswith("application/xml")
    pets = ElementTree.fromstring(many.content)
    assert pets.tag == "pets" and [child.tag for child in pets] == [f"{NS}pet"]
    assert int(pets[0].attrib["id"]) >= 1 and pets[0].findtext("name")  # generated, valid against the schema
    assert json_too.headers["content-type"].startswith("application/json") and isinstance(json_too.json(), list)
