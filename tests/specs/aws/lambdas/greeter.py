def hello(event, context):
    return {"greeting": f"hello {event['pathParameters']['name']}", "route": event["routeKey"]}


def total(event, context):
    numbers = event.get("numbers")
    if not numbers:
        raise ValueError("Invalid input: numbers must not be empty")
    return {"sum": sum(numbers)}
