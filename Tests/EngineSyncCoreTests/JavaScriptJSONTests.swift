import EngineSyncCore
import Testing

/// Every expected value below was produced once by Node 20 (`JSON.stringify`, and EngineJS's
/// `stableJsonStringify` / `stableIdentHash` copied verbatim) and pasted here; the tests do not run Node.
@Suite struct JavaScriptJSONTests {
    func parse(_ text: String) throws -> JSONValue {
        try JSONReader().read(Array(text.utf8)).document.value
    }

    /// (lexeme, `JSON.stringify(JSON.parse(lexeme))`).
    static let numbers: [(String, String)] = [
        ("0", "0"),
        ("-0", "0"),
        ("1", "1"),
        ("-1", "-1"),
        ("1.50", "1.5"),
        ("1e3", "1000"),
        ("1E3", "1000"),
        ("1e+3", "1000"),
        ("1e21", "1e+21"),
        ("1e+21", "1e+21"),
        ("1e20", "100000000000000000000"),
        ("1e-7", "1e-7"),
        ("1e-6", "0.000001"),
        ("0.000001", "0.000001"),
        ("0.0000001", "1e-7"),
        ("0.00000123", "0.00000123"),
        ("123456789012345678901", "123456789012345680000"),
        ("999999999999999999999", "1e+21"),
        ("1e400", "null"),
        ("-1e400", "null"),
        ("1e-400", "0"),
        ("-0.0", "0"),
        ("0e10", "0"),
        ("5e-324", "5e-324"),
        ("1.7976931348623157e308", "1.7976931348623157e+308"),
        ("0.1", "0.1"),
        ("0.30000000000000004", "0.30000000000000004"),
        ("100", "100"),
        ("2.5e-5", "0.000025"),
        ("1.23e-7", "1.23e-7"),
        ("4.35", "4.35"),
        ("9007199254740993", "9007199254740992"),
        ("9007199254740992", "9007199254740992"),
        ("123.456e2", "12345.6"),
        ("1.0", "1"),
        ("10.00", "10"),
        ("-12.5e-3", "-0.0125"),
        ("3.14159265358979323846", "3.141592653589793"),
        ("2e0", "2"),
        ("1e22", "1e+22"),
        ("1.5e300", "1.5e+300"),
        ("-5e-7", "-5e-7"),
        ("123e-20", "1.23e-18"),
        ("1234567.8e15", "1.2345678e+21"),
        ("0.5", "0.5"),
        ("100e-2", "1"),
        ("11e20", "1.1e+21"),
        ("1.1e21", "1.1e+21"),
        ("12345678901234567890", "12345678901234567000"),
        ("-1.5E-10", "-1.5e-10"),
        ("4294967295", "4294967295"),
        ("0.1e-6", "1e-7"),
        ("25e-8", "2.5e-7"),
    ]

    /// (JSON text, `JSON.stringify(JSON.parse(text))`).
    static let plain: [(String, String)] = [
        (
            #"""
            {"b":1,"a":2,"10":3,"2":4,"01":5,"-1":6,"1.5":7,"4294967294":8,"4294967295":9,"0":10,"x":{"9":[]\#
            ,"1":{}}}
            """#,
            #"""
            {"0":10,"2":4,"10":3,"4294967294":8,"b":1,"a":2,"01":5,"-1":6,"1.5":7,"4294967295":9,"x":{"1":{}\#
            ,"9":[]}}
            """#
        ),
        (
            #"{"s":"q\"b\\s\/ \b\f\n\r\t \u0001\u001f\u007f é \u2028 😀","k\n":"\u0000"}"#,
            "{\"s\":\"q\\\"b\\\\s/ \\b\\f\\n\\r\\t \\u0001\\u001f\u{7F} é \u{2028} 😀\",\"k\\n\":\"\\u0000\"}"
        ),
        (
            #"[1.50,-0,1e21,1e-7,true,false,null,[],{},"",[[1e400]]]"#,
            #"[1.5,0,1e+21,1e-7,true,false,null,[],{},"",[[null]]]"#
        ),
        (
            #"{"z":{"b":[{"d":1,"c":2}],"a":null},"y":"x"}"#,
            #"{"z":{"b":[{"d":1,"c":2}],"a":null},"y":"x"}"#
        ),
    ]

    /// (JSON text, `stableJsonStringify(JSON.parse(text))`, `stableIdentHash` of it), from EngineJS's code.
    static let stable: [(String, String, String)] = [
        (
            #"""
            {
              "dsl": {
                "fields": {
                  "id": {
                    "type": "int",
                    "primary": true,
                    "auto": true
                  },
                  "hash": {
                    "type": "string",
                    "length": 64,
                    "unique": true
                  },
                  "dsl": {
                    "type": "json"
                  }
                },
                "ui": {
                  "hidden": true
                }
              },
              "post": {
                "fields": {
                  "id": {
                    "type": "int",
                    "primary": true,
                    "auto": true
                  },
                  "title": {
                    "type": "string",
                    "length": 200,
                    "required": true
                  },
                  "Title_sort": {
                    "type": "string",
                    "length": 200
                  },
                  "slug": {
                    "type": "string",
                    "length": 120,
                    "unique": true
                  },
                  "body": {
                    "type": "text"
                  },
                  "author": {
                    "type": "int",
                    "source": "user",
                    "sourceid": "id",
                    "onDelete": "SET NULL"
                  },
                  "tags": {
                    "type": "int",
                    "multi": true,
                    "source": "tag"
                  },
                  "published": {
                    "type": "boolean",
                    "default": false
                  },
                  "rating": {
                    "type": "numeric",
                    "precision": 3,
                    "scale": 1,
                    "default": 2.5
                  },
                  "views": {
                    "type": "bigint",
                    "default": 0
                  },
                  "created_at": {
                    "type": "timestamp",
                    "default": "now()"
                  },
                  "createdAt": {
                    "type": "string"
                  },
                  "updated_at": {
                    "type": "timestamp"
                  }
                },
                "indexes": {
                  "many": [
                    [
                      "author",
                      "created_at"
                    ],
                    [
                      "slug"
                    ]
                  ]
                },
                "auto_name": [
                  "title"
                ],
                "ui": {
                  "sort": [
                    "-created_at",
                    "title"
                  ],
                  "list": [
                    "title",
                    "author",
                    "published"
                  ],
                  "filters": {
                    "2": "two",
                    "10": "ten",
                    "published": [
                      true,
                      false
                    ]
                  },
                  "label": "Posts — all"
                }
              },
              "user": {
                "fields": {
                  "id": {
                    "type": "int",
                    "primary": true
                  },
                  "email": {
                    "type": "string",
                    "unique": true
                  },
                  "Email": {
                    "type": "string"
                  },
                  "_internal": {
                    "type": "json"
                  },
                  "first-name": {
                    "type": "string"
                  },
                  "first_name": {
                    "type": "string"
                  },
                  "first.name": {
                    "type": "string"
                  }
                }
              }
            }
            """#,
            #"""
            {"dsl":{"fields":{"dsl":{"type":"json"},"hash":{"length":64,"type":"string","unique":true},"id":\#
            {"auto":true,"primary":true,"type":"int"}},"ui":{"hidden":true}},"post":{"auto_name":["title"],"\#
            fields":{"author":{"onDelete":"SET NULL","source":"user","sourceid":"id","type":"int"},"body":{"\#
            type":"text"},"created_at":{"default":"now()","type":"timestamp"},"createdAt":{"type":"string"},\#
            "id":{"auto":true,"primary":true,"type":"int"},"published":{"default":false,"type":"boolean"},"r\#
            ating":{"default":2.5,"precision":3,"scale":1,"type":"numeric"},"slug":{"length":120,"type":"str\#
            ing","unique":true},"tags":{"multi":true,"source":"tag","type":"int"},"title":{"length":200,"req\#
            uired":true,"type":"string"},"Title_sort":{"length":200,"type":"string"},"updated_at":{"type":"t\#
            imestamp"},"views":{"default":0,"type":"bigint"}},"indexes":{"many":[["author","created_at"],["s\#
            lug"]]},"ui":{"filters":{"2":"two","10":"ten","published":[true,false]},"label":"Posts — all","l\#
            ist":["title","author","published"],"sort":["-created_at","title"]}},"user":{"fields":{"_interna\#
            l":{"type":"json"},"email":{"type":"string","unique":true},"Email":{"type":"string"},"first_name\#
            ":{"type":"string"},"first-name":{"type":"string"},"first.name":{"type":"string"},"id":{"primary\#
            ":true,"type":"int"}}}}
            """#,
            "1a3njn2"
        ),
        (
            #"{}"#,
            #"{}"#,
            "3hn1f"
        ),
        (
            #"[]"#,
            #"[]"#,
            "3hntv"
        ),
        (
            #"null"#,
            #"null"#,
            "yj2w2m"
        ),
        (
            #""x""#,
            #""x""#,
            "373zkt"
        ),
        (
            #"1.50"#,
            #"1.5"#,
            "374dan"
        ),
        (
            #"{"b":1,"B":2,"a":3,"A":4,"_":5,"-":6,"1":7,"10":8,"9":9,"a1":10}"#,
            #"{"1":7,"9":9,"10":8,"_":5,"-":6,"a":3,"A":4,"a1":10,"b":1,"B":2}"#,
            "ytezuc"
        ),
        (
            #"""
            {"created_at":1,"createdAt":2,"created":3,"auto_name":4,"autoName":5,"id":6,"ID":7,"Id":8,"_x":9\#
            ,"x_":10}
            """#,
            #"""
            {"_x":9,"auto_name":4,"autoName":5,"created":3,"created_at":1,"createdAt":2,"id":6,"Id":8,"ID":7\#
            ,"x_":10}
            """#,
            "cd3xci"
        ),
        (
            #"{"z":[{"y":1,"x":{"b":[1,{"d":0,"c":0}],"a":null}}],"é":1,"e":2,"f":3,"E":4}"#,
            #"{"e":2,"E":4,"é":1,"f":3,"z":[{"x":{"a":null,"b":[1,{"c":0,"d":0}]},"y":1}]}"#,
            "1xszqgg"
        ),
        (
            #"{"ab":2,"a\u0001b":1,"Ab":3}"#,
            #"{"ab":2,"a\u0001b":1,"Ab":3}"#,
            "1o2596q"
        ),
        (
            #"{"k":"tab\there \u0001 \"q\" \\ ünïcode","2":{"0":1},"a\u0001b":1,"ab":2}"#,
            #"{"2":{"0":1},"a\u0001b":1,"ab":2,"k":"tab\there \u0001 \"q\" \\ ünïcode"}"#,
            "11zy8mk"
        ),
        (
            #"""
            {"model":{"fields":{"price":{"type":"numeric","default":1e21},"ratio":{"default":0.0000001},"big\#
            ":{"default":123456789012345678901},"neg":{"default":-0}}}}
            """#,
            #"""
            {"model":{"fields":{"big":{"default":123456789012345680000},"neg":{"default":0},"price":{"defaul\#
            t":1e+21,"type":"numeric"},"ratio":{"default":1e-7}}}}
            """#,
            "gusw4"
        ),
    ]

    @Test func numberTextLikeNode() {
        for (lexeme, expected) in Self.numbers {
            #expect(JavaScriptJSON.numberText(lexeme) == expected, "numberText(\(lexeme))")
        }
    }

    @Test func stringifyLikeNode() throws {
        for (text, expected) in Self.plain {
            #expect(JavaScriptJSON.stringify(try parse(text)) == expected, "stringify(\(text))")
        }
    }

    @Test func stableStringifyAndSnapshotHashLikeEngineJS() throws {
        for (text, expected, hash) in Self.stable {
            let document = try parse(text)
            #expect(JavaScriptJSON.stableStringify(document) == expected, "stableStringify(\(text))")
            #expect(EngineJSNaming.snapshotHash(of: document) == hash, "snapshotHash(\(text))")
        }
    }

    @Test func keyOrderDoesNotChangeTheSnapshotHash() throws {
        let one = try parse(#"{"post": {"b": 1, "a": [2, {"y": 1, "x": 2}]}, "dsl": {}}"#)
        let two = try parse(#"{"dsl": {}, "post": {"a": [2, {"x": 2, "y": 1}], "b": 1}}"#)
        #expect(EngineJSNaming.snapshotHash(of: one) == EngineJSNaming.snapshotHash(of: two))
    }
}
