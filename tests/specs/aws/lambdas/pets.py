import json

PETS = [{"id": 1, "name": "Rex", "kind": "dog"}, {"id": 2, "name": "Tom", "kind": "cat"}]


def list_pets(event, context):
    limit = int((event.get("queryStringParameters") or {}).get("limit", 10))
    return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": json.dumps(PETS[:limit])}


def create_pet(event, context):
    pet = {"id": 3, **json.loads(event["body"])}
    return {"statusCode": 201, "headers": {"content-type": "application/json"}, "body": json.dumps(pet)}


def get_pet(event, context):
    pet_id = int(event["pathParameters"]["petId"])
    found = [pet for pet in PETS if pet["id"] == pet_id]
    if not found:
        return {"statusCode": 404, "body": json.dumps({"message": "no pet"})}
    return {"statusCode": 200, "body": json.dumps(found[0]), "headers": {"content-type": "application/json"}}
