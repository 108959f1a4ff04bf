"""Mapping template cases: a template, the request (or the backend's answer) it reads, and what the
managed gateway makes of it, each with where that behaviour is written down or was recorded.

Sources (short names used in the table):

- REF: developer guide, "API Gateway mapping template and access logging variable reference"
  (awsdocs/amazon-api-gateway-developer-guide, doc_source/api-gateway-mapping-template-reference.md)
- OVERRIDE: developer guide, "Use a mapping template to override an API's request and response
  parameters and status codes" (apigateway-override-request-response-parameters.md)
- MODELS: developer guide, "Create models and mapping templates" (models-mappings.md): the
  `#set($inputRoot = $input.path('$'))` / `#foreach` examples
- LIMITS: developer guide, limits.md: "Number of iterations in a #foreach ... #end loop in mapping
  templates: 1000"
- VELOCITY: Apache Velocity 2 user guide / VTL reference (the language the developer guide names):
  directives, references, map/list literals, `$foreach`, empty-is-false conditions
- JAVA: the JVM classes Velocity calls (java.lang.String, java.util.Map / List, their toString),
  and Commons Lang StringEscapeUtils.escapeJavaScript, which REF's "JavaScript string rules" are
- LS12413: recorded on AWS (localstack/localstack#12413): `$input.body` of an empty payload is `{}`,
  whatever the Content-Type
- LS12379: recorded on AWS (localstack/localstack#12379): `$input.path('$')` renders as a Java map
  with JSON lists inside, `{a=1, b=[{"c":5}]}`; a list renders as JSON
- LS12774: checked against AWS (localstack/localstack#12774): a JSONPath that matches nothing
  gives null, neither `{}` nor `[]`
- TOQOZ5: toqoz/api-gateway-mapping-template#5: the managed gateway renders a reference to
  nothing (`$input.path('$').item2`) as an empty string
- PASSTHRU: the "Method Request passthrough" template of the managed gateway's console
  (`"body-json" : $input.json('$')`), which gives `{}` on a request without a body
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["request", "response", "gateway"]
PETS = b'{"pets": [{"id": 1, "type": "dog", "price": 249.99}, {"id": 2, "type": "cat", "price": 124.99}, {"id": 3, "type": "fish", "price": 0.99}]}'
NESTED = b'{"a":1,"b":[{"c":5}]}'


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    template: str
    expected: str | None  # the body the client gets (None: only status / header / prefix checked)
    kind: Kind = "request"  # request: rendered for the echo backend; response: over a fixed backend body
    body: bytes = b""  # the method request's body
    content_type: str | None = "application/json"
    media_type: str = "application/json"  # the template's key
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    path: str = ""  # after the case's own path; a case with "{id}" declares that path parameter
    backend_body: bytes = b""  # response cases: what the fixed backend answers
    backend: str = "/echo"  # request cases: the echo backend's route (/echo-header/NAME, ...)
    accept: str | None = None
    status: int = 200
    header: tuple[str, str] | None = None  # a response header the client must get
    prefix: str | None = None  # the body must start with this
    authorized: bool = False  # the route is behind the Lambda authorizer
    request_parameters: dict[str, str] = field(default_factory=dict)


C = Case
# fmt: off
CASES: tuple[Case, ...] = (
    # $input.body / $input.json / $input.path
    C("input-body", "REF", "$input.body", '{"a": 1}', body=b'{"a": 1}'),
    C("input-body-empty", "LS12413", "$input.body", "{}"),
    C(
        "input-body-empty-text",
        "LS12413",
        "$input.body",
        "{}",
        content_type="text/plain",
        media_type="text/plain",
    ),
    C("input-json-root", "REF", "$input.json('$')", '{"a":1,"b":[1,2]}', body=b'{"a": 1, "b": [1, 2]}'),
    C("input-json-pets", "REF", "$input.json('$.pets[0].type')", '"dog"', body=PETS),
    C("input-json-object", "REF", "$input.json('$.pets[1]')", '{"id":2,"type":"cat","price":124.99}', body=PETS),
    C("input-json-string", "REF", "$input.json('$.name')", '"Ada"', body=b'{"name": "Ada"}'),
    C("input-json-no-match", "LS12774", "[$input.json('$.missing')]", "[]", body=b'{"a": 1}'),
    C("input-json-empty-body", "PASSTHRU", '{"body-json" : $input.json(\'$\')}', '{"body-json" : {}}'),
    C("input-json-filter", "REF", "$input.json('$.pets[?(@.price > 100)].id')", "[1,2]", body=PETS),
    C("input-json-slice", "REF", "$input.json('$.pets[0:2].id')", "[1,2]", body=PETS),
    C("input-json-deep-scan", "REF", "$input.json('$..id')", "[1,2,3]", body=PETS),
    C("input-path-string", "REF", "$input.path('$.name')", "Ada", body=b'{"name": "Ada"}'),
    C("input-path-root-map", "LS12379", "$input.path('$')", '{a=1, b=[{"c":5}]}', body=NESTED),
    C("input-path-list-json", "LS12379", "$input.path('$.b')", '[{"c":5}]', body=NESTED),
    C("input-path-map-in-list", "LS12379", "$input.path('$.b')[0]", "{c=5}", body=NESTED),
    C(
        "input-path-map-size",
        "REF",
        "$input.path('$.things').size()",
        "3",
        body=b'{"things": {"1": {}, "2": {}, "3": {}}}',
    ),
    C("input-path-list-size", "REF", "$input.path('$.pets').size()", "3", body=PETS),
    C("input-path-get", "JAVA", "$input.path('$.pets').get(1).type", "cat", body=PETS),
    C("input-path-no-match", "LS12774", "[$input.path('$.missing')]", "[]", body=b'{"a": 1}'),
    C("input-path-no-match-false", "LS12774", "#if($input.path('$.missing'))yes#{else}no#end", "no", body=b"{}"),
    C("input-path-number", "JAVA", "$input.path('$.pets[0].price')", "249.99", body=PETS),
    C("input-path-boolean", "JAVA", "$input.path('$.ok')", "true", body=b'{"ok": true}'),
    C(
        "input-path-not-json",
        "REF",
        "$input.path('$.a')",
        None,
        body=b"not json",
        status=400,
        prefix='{"message":"Could not parse request body into json',
    ),
    C("input-path-set-root", "MODELS", "#set($root = $input.path('$'))$root.name", "Ada", body=b'{"name": "Ada"}'),
    C(
        "input-path-foreach",
        "MODELS",
        "#set($inputRoot = $input.path('$'))[#foreach($elem in $inputRoot.pets)"
        '{"id": $elem.id}#if($foreach.hasNext),#end#end]',
        '[{"id": 1},{"id": 2},{"id": 3}]',
        body=PETS,
    ),
    # $input.params
    C("params-path", "REF", "$input.params('id')", "p1", path="/{id}", query="id=q1"),
    C("params-query", "REF", "$input.params('q')", "q1", query="q=q1", headers={"q": "h1"}),
    C("params-header", "REF", "$input.params('x-h')", "h1", headers={"x-h": "h1"}),
    C("params-order", "REF", "$input.params('dup')", "q1", query="dup=q1", headers={"dup": "h1"}),
    C("params-missing", "REF", "[$input.params('nope')]", "[]"),
    C("params-map-path", "REF", "$input.params().path.get('id')", "p2", path="/{id}"),
    C("params-map-query", "REF", "$input.params().querystring.get('q')", "x y", query="q=x%20y"),
    C("params-map-header", "REF", "$input.params().header.get('x-h')", "h2", headers={"x-h": "h2"}),
    C("params-map-keys", "REF", "$input.params().keySet().size() $input.params().containsKey('header')", "3 true"),
    C("params-repeated-last", "REF", "$input.params('q')", "2", query="q=1&q=2"),
    C(
        "params-loop",
        "REF",
        "#set($p = $input.params().querystring)#foreach($k in $p.keySet())$k=$p.get($k);#end",
        "a=1;b=2;",
        query="a=1&b=2",
    ),
    # $util
    C("util-escape-quote", "REF", "$util.escapeJavaScript($input.path('$.s'))", "it\\'s", body=b'{"s": "it\'s"}'),
    C("util-escape-double", "REF", "$util.escapeJavaScript($input.path('$.s'))", 'say \\"hi\\"', body=b'{"s": "say \\"hi\\""}'),
    C("util-escape-backslash", "JAVA", "$util.escapeJavaScript($input.path('$.s'))", "a\\\\b", body=b'{"s": "a\\\\b"}'),
    C("util-escape-newline", "JAVA", "$util.escapeJavaScript($input.path('$.s'))", "a\\nb", body=b'{"s": "a\\nb"}'),
    C("util-escape-slash", "JAVA", "$util.escapeJavaScript($input.path('$.s'))", "a\\/b", body=b'{"s": "a/b"}'),
    C("util-escape-unicode", "JAVA", "$util.escapeJavaScript($input.path('$.s'))", "caf\\u00E9", body='{"s": "café"}'.encode()),
    C(
        "util-escape-json-property",
        "REF",
        "{\"s\": \"$util.escapeJavaScript($input.path('$.s')).replaceAll(\"\\\\'\",\"'\")\"}",
        '{"s": "it\'s \\"x\\""}',
        body=b'{"s": "it\'s \\"x\\""}',
    ),
    C(
        "util-parse-json",
        "REF",
        "#set ($errorMessageObj = $util.parseJson($input.path('$.errorMessage')))"
        '{"errorMessageObjKey2ArrVal" : $errorMessageObj.key2.arr[0]}',
        '{"errorMessageObjKey2ArrVal" : 1}',
        body=b'{"errorMessage":"{\\"key1\\":\\"var1\\",\\"key2\\":{\\"arr\\":[1,2,3]}}"}',
    ),
    C("util-parse-json-list", "REF", "#set($l = $util.parseJson('[1,2,3]'))$l.size() $l", "3 [1,2,3]"),
    C("util-to-json", "REF", "$util.toJson($input.path('$'))", '{"a":1,"b":[{"c":5}]}', body=NESTED),
    C("util-base64-encode", "REF", "$util.base64Encode('hi')", "aGk="),
    C("util-base64-decode", "REF", "$util.base64Decode('aGk=')", "hi"),
    C("util-base64-body", "REF", "$util.base64Encode($input.body)", "eyJhIjoxfQ==", body=b'{"a":1}'),
    C("util-url-encode", "REF", "$util.urlEncode('a b&c=d')", "a+b%26c%3Dd"),
    C("util-url-decode", "REF", "$util.urlDecode('a+b%26c%3Dd')", "a b&c=d"),
    C("util-url-encode-utf8", "REF", "$util.urlEncode('café')", "caf%C3%A9"),
    C("util-url-form", "REF", "Action=SendMessage&MessageBody=$util.urlEncode($input.body)", "Action=SendMessage&MessageBody=%7B%7D"),
    # $context and $stageVariables
    C("context-request-id", "REF", "#if($context.requestId.length() > 8)ok#end", "ok"),
    C("context-extended-id", "REF", "#if($context.extendedRequestId == $context.requestId)same#end", "same"),
    C("context-stage", "REF", "$context.stage", "prod"),
    C("context-method", "REF", "$context.httpMethod", "POST"),
    C("context-resource-path", "REF", "$context.resourcePath", "/case-context-resource-path/{id}", path="/{id}"),
    C("context-path", "REF", "$context.path", "/prod/case-context-path"),
    C("context-protocol", "REF", "$context.protocol", "HTTP/1.1"),
    C(
        "context-request-time",
        "REF",
        "#if($context.requestTime.matches('[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} \\+0000'))clf#end",
        "clf",
    ),
    C("context-request-epoch", "REF", "#if($context.requestTimeEpoch > 1600000000000)ms#end", "ms"),
    C("context-resource-id", "REF", "$context.resourceId.length()", "6"),
    C("context-api-id", "REF", "#if($context.apiId)id#end", "id"),
    C("context-source-ip", "REF", "$context.identity.sourceIp", "127.0.0.1"),
    C("context-user-agent", "REF", "$context.identity.userAgent", "corpus/1", headers={"user-agent": "corpus/1"}),
    C("context-api-key-null", "REF", "[$context.identity.apiKey]", "[]"),
    C("context-principal", "REF", "$context.authorizer.principalId", "user-1", authorized=True),
    C("context-authorizer-number", "REF", "$context.authorizer.numKey", "1", authorized=True),
    C("context-authorizer-boolean", "REF", "$context.authorizer.boolKey", "true", authorized=True),
    C("stage-variable", "REF", "$stageVariables.env", "test"),
    C("stage-variable-bracket", "REF", "$stageVariables['env']", "test"),
    C("stage-variable-formal", "REF", "${stageVariables['env']}", "test"),
    C(
        "request-override-header",
        "OVERRIDE",
        '#set($context.requestOverride.header.x-over = "set")ok',
        "set",
        backend="/echo-header/x-over",
    ),
    C(
        "request-override-query",
        "OVERRIDE",
        '#set($context.requestOverride.querystring.myQuery = "v")',
        "myQuery=v",
        backend="/echo-query",
    ),
    C(
        "request-override-path",
        "OVERRIDE",
        '#set($context.requestOverride.path.p = "over")',
        "/echo-path/over",
        backend="/echo-path/{p}",
        request_parameters={"integration.request.path.p": "'static'"},
    ),
    # Velocity as the managed gateway runs it
    C("set-hyphen-key", "VELOCITY", '#set($m = {"a-b": 1})$m.get("a-b")', "1"),
    C("set-bracket", "VELOCITY", '#set($m = {})#set($m["k"] = "v")$m.k', "v"),
    C("set-nested", "VELOCITY", '#set($m = {"a": {}})#set($m.a.b = "deep")$m.a.b', "deep"),
    C("foreach-has-next", "VELOCITY", "#foreach($i in [1, 2, 3])$i#if($foreach.hasNext),#end#end", "1,2,3"),
    C("foreach-index", "VELOCITY", '#foreach($i in ["a", "b"])$foreach.index:$i #end', "0:a 1:b "),
    C("foreach-count", "VELOCITY", '#foreach($i in ["a", "b"])$foreach.count#end', "12"),
    C("foreach-map-values", "VELOCITY", '#foreach($v in {"a": 1, "b": 2})$v#end', "12"),
    C("foreach-range", "VELOCITY", "#foreach($i in [1..3])$i;#end", "1;2;3;"),
    C("foreach-limit", "LIMITS", "#foreach($i in [1..1001])#end", None, status=500),
    C("if-elseif-else", "VELOCITY", "#set($n = 2)#if($n == 1)one#elseif($n == 2)two#{else}other#end", "two"),
    C("if-null-false", "VELOCITY", "#if($nope)yes#{else}no#end", "no"),
    C("if-not-null", "VELOCITY", "#if(!$nope)absent#end", "absent"),
    C("if-empty-string", "VELOCITY", '#if("")yes#{else}no#end', "no"),
    C("break", "VELOCITY", "#foreach($i in [1..5])#if($i == 3)#break#end$i;#end", "1;2;"),
    C("break-outside-loop", "VELOCITY", "a#break b", "a"),
    C("stop", "VELOCITY", "a#stop b", "a"),
    C("define", "VELOCITY", "#define($greeting)hi $who#end#set($who = 'Ada')$greeting", "hi Ada"),
    C("macro", "VELOCITY", "#macro(twice $x)$x$x#end#twice('ab')", "abab"),
    C("comments", "VELOCITY", "a## a line comment\nb#* a block *#c", "abc"),
    C("escaped-reference", "VELOCITY", "\\$notref", "$notref"),
    C("undefined-renders-empty", "TOQOZ5", "[$nope]", "[]"),
    C("quiet-reference", "VELOCITY", "[$!nope]", "[]"),
    C("formal-reference", "VELOCITY", "#set($x = 'v')${x}s", "vs"),
    C("string-concat", "VELOCITY", "#set($s = 'a' + 1)$s", "a1"),
    C("integer-division", "JAVA", "#set($d = 7 / 2)$d", "3"),
    C("double-division", "JAVA", "#set($d = 7.0 / 2)$d", "3.5"),
    C("string-methods", "JAVA", "#set($s = '  Pad ')$s.trim().toUpperCase() $s.length() $s.trim().toLowerCase()", "PAD 6 pad"),
    C("string-replace-all", "JAVA", "#set($s = 'caaat')$s.replaceAll('(a+)', '[$1]')", "c[aaa]t"),
    C("string-matches", "JAVA", "#set($s = 'abc123')$s.matches('[a-z]+[0-9]+') $s.matches('[0-9]+')", "true false"),
    C("string-substring", "JAVA", "#set($s = 'hello')$s.substring(1, 3) $s.substring(3)", "el lo"),
    C("string-index-of", "JAVA", "#set($s = 'hello')$s.indexOf('l') $s.lastIndexOf('l') $s.indexOf('z')", "2 3 -1"),
    C("string-split", "JAVA", "#set($s = 'a,b;c,,')#set($p = $s.split('[,;]'))$p.size() $p.get(2)", "3 c"),
    C("string-contains", "JAVA", "#set($s = 'hello')$s.contains('ell') $s.startsWith('he') $s.endsWith('lo') $s.equals('hello')", "true true true true"),
    C("map-methods", "JAVA", '#set($m = {"a": 1})#set($old = $m.put("b", 2))$m.size() $m.get("b") $m.containsKey("a") $m.isEmpty()', "2 2 true false"),
    C("map-key-set", "JAVA", '#set($m = {"a": 1, "b": 2})#foreach($k in $m.keySet())$k#end', "ab"),
    C("map-entry-set", "JAVA", '#set($m = {"a": 1})#foreach($e in $m.entrySet())$e.key=$e.value#end', "a=1"),
    C("list-methods", "JAVA", "#set($l = [1, 2])#set($ok = $l.add(3))$l.size() $l.get(2) $l.contains(2) $l.isEmpty()", "3 3 true false"),
    C("render-map", "JAVA", '#set($m = {"a": 1, "b": "x"})$m', "{a=1, b=x}"),
    C("render-list", "JAVA", "#set($l = [1, 'x', $nope])$l", "[1, x, null]"),
    C("render-boolean", "JAVA", "#set($b = 1 == 1)$b", "true"),
    C("template-fails", "REF", "#set($l = [1])$l.get(5)", None, status=500),
    # response templates: the backend's answer is $input
    C("response-path", "REF", "$input.path('$.name')", "Ada", kind="response", backend_body=b'{"name": "Ada"}'),
    C("response-json", "REF", "$input.json('$.items')", "[1,2]", kind="response", backend_body=b'{"items": [1, 2]}'),
    C("response-body", "REF", "$input.body", '{"raw": true}', kind="response", backend_body=b'{"raw": true}'),
    C("response-body-empty", "LS12413", "$input.body", "{}", kind="response"),
    C(
        "response-foreach",
        "MODELS",
        "#set($inputRoot = $input.path('$'))#foreach($elem in $inputRoot.pets)$elem.type#if($foreach.hasNext),#end#end",
        "dog,cat,fish",
        kind="response",
        backend_body=PETS,
    ),
    C(
        "response-override-status",
        "OVERRIDE",
        "#set($inputRoot = $input.path('$'))#if($inputRoot.toString().contains('error'))"
        "#set($context.responseOverride.status = 400)#end$inputRoot.error",
        "bad",
        kind="response",
        backend_body=b'{"error": "bad"}',
        status=400,
    ),
    C(
        "response-override-header",
        "OVERRIDE",
        '#set($context.responseOverride.header.x-from-template = "yes")ok',
        "ok",
        kind="response",
        header=("x-from-template", "yes"),
    ),
    C("response-context", "REF", "$context.httpMethod $context.stage", "GET prod", kind="response"),
    C("response-params", "REF", "$input.params('q')", "from-request", kind="response", query="q=from-request"),
    C(
        "response-content-type",
        "REF",
        "<name>$input.path('$.name')</name>",
        "<name>Ada</name>",
        kind="response",
        media_type="application/xml",
        backend_body=b'{"name": "Ada"}',
        accept="application/xml",
        header=("content-type", "application/xml"),
    ),
)
# fmt: on
