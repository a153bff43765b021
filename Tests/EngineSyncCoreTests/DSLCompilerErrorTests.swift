import EngineSyncCore
import Testing

/// EngineJS's standard snapshot model (`dsl/meta/dsl.json`), which every DSL must have.
let standardSnapshotText = """
    {"dsl": {"fields": {"id": {"type": "int", "primary": true, "autoIncrement": true}, \
    "hash": {"type": "string", "length": 255}, "dsl": {"type": "jsonb"}}}}
    """
let standardSnapshotModel = DSLInputFile(path: "dsl/meta/dsl.json", text: standardSnapshotText)

/// Compiles one multi-model fragment (`dsl/models/app.json`), after the standard snapshot model, for
/// table-driven tests.
func compileFragment(_ text: String, options: DSLCompilerOptions = DSLCompilerOptions()) -> DSLCompilation {
    DSLCompiler(options: options).compile(files: [
        standardSnapshotModel, DSLInputFile(path: "dsl/models/app.json", text: text),
    ])
}

@Suite struct PostgresNameTests {
    /// A 63-byte table's primary key is named as PostgreSQL names it, not `<table>_pkey` truncated onto the
    /// table's own name.
    @Test func aSixtyThreeByteTableGetsPostgresPrimaryKeyName() throws {
        let table = String(repeating: "t", count: 63)
        let result = compileFragment(#"{"\#(table)": {"fields": {}}}"#)
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(EngineJSNaming.primaryKeyName(table: table) == String(repeating: "t", count: 58) + "_pkey")
        #expect(EngineJSNaming.primaryKeyName(table: "post") == "post_pkey")
    }
}

@Suite struct DSLCompilerErrorTests {
    /// DSLs EngineJS refuses (its DSL schema, its virtual-field rules, Sequelize's checks) or whose sync would fail in
    /// PostgreSQL: errors, and no compiled result.
    static let cases: [(String, String, String)] = [
        (
            "model key over 63 bytes naming its table", #"{"\#(String(repeating: "m", count: 64))": {"fields": {}}}"#,
            "identifier_too_long"
        ),
        // PostgreSQL's names and limits (issue 12 item 11): refused at compile time, never retried by the daemon.
        (
            "a model on enginesync's own table", #"{"engine_migrations": {"fields": {"a": {"type": "string"}}}}"#,
            "reserved_name"
        ),
        ("a table named engine_reconciles", #"{"log": {"table": "engine_reconciles", "fields": {}}}"#, "reserved_name"),
        ("a model named like a primary key", #"{"t": {"fields": {}}, "t_pkey": {"fields": {}}}"#, "name_collision"),
        (
            "a model named like a visible index", #"{"t": {"fields": {}}, "idx_t_visible": {"fields": {}}}"#,
            "name_collision"
        ),
        ("a system column", #"{"t": {"fields": {"xmin": {"type": "int"}}}}"#, "reserved_name"),
        (
            "ctid through columnName", #"{"t": {"fields": {"a": {"type": "int", "columnName": "ctid"}}}}"#,
            "reserved_name"
        ),
        ("a string deleted field", #"{"t": {"fields": {"deleted": {"type": "string"}}}}"#, "visibility_column_type"),
        ("a NUL in a label", #"{"t": {"fields": {"a": {"type": "string", "label": "x\u0000y"}}}}"#, "nul_character"),
        ("a NUL in a key", #"{"t": {"fields": {"a\u0000": {"type": "string"}}}}"#, "nul_character"),
        (
            "a year-0000 timestamp default",
            #"{"t": {"fields": {"d": {"type": "datetime", "default": "0000-01-01T00:00:00Z"}}}}"#, "invalid_default"
        ),
        (
            "33 index columns",
            #"{"t": {"fields": {"c0": {"type": "int"}, "c1": {"type": "int"}, "c2": {"type": "int"}, "c3": {"type": "int"}, "c4": {"type": "int"}, "c5": {"type": "int"}, "c6": {"type": "int"}, "c7": {"type": "int"}, "c8": {"type": "int"}, "c9": {"type": "int"}, "c10": {"type": "int"}, "c11": {"type": "int"}, "c12": {"type": "int"}, "c13": {"type": "int"}, "c14": {"type": "int"}, "c15": {"type": "int"}, "c16": {"type": "int"}, "c17": {"type": "int"}, "c18": {"type": "int"}, "c19": {"type": "int"}, "c20": {"type": "int"}, "c21": {"type": "int"}, "c22": {"type": "int"}, "c23": {"type": "int"}, "c24": {"type": "int"}, "c25": {"type": "int"}, "c26": {"type": "int"}, "c27": {"type": "int"}, "c28": {"type": "int"}, "c29": {"type": "int"}, "c30": {"type": "int"}, "c31": {"type": "int"}, "c32": {"type": "int"}}, "indexes": {"many": [["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11", "c12", "c13", "c14", "c15", "c16", "c17", "c18", "c19", "c20", "c21", "c22", "c23", "c24", "c25", "c26", "c27", "c28", "c29", "c30", "c31", "c32"]]}}}"#,
            "too_many_index_columns"
        ),
        (
            "1,600 fields and the system columns",
            #"{"t": {"fields": {"f0": {"type": "int"}, "f1": {"type": "int"}, "f2": {"type": "int"}, "f3": {"type": "int"}, "f4": {"type": "int"}, "f5": {"type": "int"}, "f6": {"type": "int"}, "f7": {"type": "int"}, "f8": {"type": "int"}, "f9": {"type": "int"}, "f10": {"type": "int"}, "f11": {"type": "int"}, "f12": {"type": "int"}, "f13": {"type": "int"}, "f14": {"type": "int"}, "f15": {"type": "int"}, "f16": {"type": "int"}, "f17": {"type": "int"}, "f18": {"type": "int"}, "f19": {"type": "int"}, "f20": {"type": "int"}, "f21": {"type": "int"}, "f22": {"type": "int"}, "f23": {"type": "int"}, "f24": {"type": "int"}, "f25": {"type": "int"}, "f26": {"type": "int"}, "f27": {"type": "int"}, "f28": {"type": "int"}, "f29": {"type": "int"}, "f30": {"type": "int"}, "f31": {"type": "int"}, "f32": {"type": "int"}, "f33": {"type": "int"}, "f34": {"type": "int"}, "f35": {"type": "int"}, "f36": {"type": "int"}, "f37": {"type": "int"}, "f38": {"type": "int"}, "f39": {"type": "int"}, "f40": {"type": "int"}, "f41": {"type": "int"}, "f42": {"type": "int"}, "f43": {"type": "int"}, "f44": {"type": "int"}, "f45": {"type": "int"}, "f46": {"type": "int"}, "f47": {"type": "int"}, "f48": {"type": "int"}, "f49": {"type": "int"}, "f50": {"type": "int"}, "f51": {"type": "int"}, "f52": {"type": "int"}, "f53": {"type": "int"}, "f54": {"type": "int"}, "f55": {"type": "int"}, "f56": {"type": "int"}, "f57": {"type": "int"}, "f58": {"type": "int"}, "f59": {"type": "int"}, "f60": {"type": "int"}, "f61": {"type": "int"}, "f62": {"type": "int"}, "f63": {"type": "int"}, "f64": {"type": "int"}, "f65": {"type": "int"}, "f66": {"type": "int"}, "f67": {"type": "int"}, "f68": {"type": "int"}, "f69": {"type": "int"}, "f70": {"type": "int"}, "f71": {"type": "int"}, "f72": {"type": "int"}, "f73": {"type": "int"}, "f74": {"type": "int"}, "f75": {"type": "int"}, "f76": {"type": "int"}, "f77": {"type": "int"}, "f78": {"type": "int"}, "f79": {"type": "int"}, "f80": {"type": "int"}, "f81": {"type": "int"}, "f82": {"type": "int"}, "f83": {"type": "int"}, "f84": {"type": "int"}, "f85": {"type": "int"}, "f86": {"type": "int"}, "f87": {"type": "int"}, "f88": {"type": "int"}, "f89": {"type": "int"}, "f90": {"type": "int"}, "f91": {"type": "int"}, "f92": {"type": "int"}, "f93": {"type": "int"}, "f94": {"type": "int"}, "f95": {"type": "int"}, "f96": {"type": "int"}, "f97": {"type": "int"}, "f98": {"type": "int"}, "f99": {"type": "int"}, "f100": {"type": "int"}, "f101": {"type": "int"}, "f102": {"type": "int"}, "f103": {"type": "int"}, "f104": {"type": "int"}, "f105": {"type": "int"}, "f106": {"type": "int"}, "f107": {"type": "int"}, "f108": {"type": "int"}, "f109": {"type": "int"}, "f110": {"type": "int"}, "f111": {"type": "int"}, "f112": {"type": "int"}, "f113": {"type": "int"}, "f114": {"type": "int"}, "f115": {"type": "int"}, "f116": {"type": "int"}, "f117": {"type": "int"}, "f118": {"type": "int"}, "f119": {"type": "int"}, "f120": {"type": "int"}, "f121": {"type": "int"}, "f122": {"type": "int"}, "f123": {"type": "int"}, "f124": {"type": "int"}, "f125": {"type": "int"}, "f126": {"type": "int"}, "f127": {"type": "int"}, "f128": {"type": "int"}, "f129": {"type": "int"}, "f130": {"type": "int"}, "f131": {"type": "int"}, "f132": {"type": "int"}, "f133": {"type": "int"}, "f134": {"type": "int"}, "f135": {"type": "int"}, "f136": {"type": "int"}, "f137": {"type": "int"}, "f138": {"type": "int"}, "f139": {"type": "int"}, "f140": {"type": "int"}, "f141": {"type": "int"}, "f142": {"type": "int"}, "f143": {"type": "int"}, "f144": {"type": "int"}, "f145": {"type": "int"}, "f146": {"type": "int"}, "f147": {"type": "int"}, "f148": {"type": "int"}, "f149": {"type": "int"}, "f150": {"type": "int"}, "f151": {"type": "int"}, "f152": {"type": "int"}, "f153": {"type": "int"}, "f154": {"type": "int"}, "f155": {"type": "int"}, "f156": {"type": "int"}, "f157": {"type": "int"}, "f158": {"type": "int"}, "f159": {"type": "int"}, "f160": {"type": "int"}, "f161": {"type": "int"}, "f162": {"type": "int"}, "f163": {"type": "int"}, "f164": {"type": "int"}, "f165": {"type": "int"}, "f166": {"type": "int"}, "f167": {"type": "int"}, "f168": {"type": "int"}, "f169": {"type": "int"}, "f170": {"type": "int"}, "f171": {"type": "int"}, "f172": {"type": "int"}, "f173": {"type": "int"}, "f174": {"type": "int"}, "f175": {"type": "int"}, "f176": {"type": "int"}, "f177": {"type": "int"}, "f178": {"type": "int"}, "f179": {"type": "int"}, "f180": {"type": "int"}, "f181": {"type": "int"}, "f182": {"type": "int"}, "f183": {"type": "int"}, "f184": {"type": "int"}, "f185": {"type": "int"}, "f186": {"type": "int"}, "f187": {"type": "int"}, "f188": {"type": "int"}, "f189": {"type": "int"}, "f190": {"type": "int"}, "f191": {"type": "int"}, "f192": {"type": "int"}, "f193": {"type": "int"}, "f194": {"type": "int"}, "f195": {"type": "int"}, "f196": {"type": "int"}, "f197": {"type": "int"}, "f198": {"type": "int"}, "f199": {"type": "int"}, "f200": {"type": "int"}, "f201": {"type": "int"}, "f202": {"type": "int"}, "f203": {"type": "int"}, "f204": {"type": "int"}, "f205": {"type": "int"}, "f206": {"type": "int"}, "f207": {"type": "int"}, "f208": {"type": "int"}, "f209": {"type": "int"}, "f210": {"type": "int"}, "f211": {"type": "int"}, "f212": {"type": "int"}, "f213": {"type": "int"}, "f214": {"type": "int"}, "f215": {"type": "int"}, "f216": {"type": "int"}, "f217": {"type": "int"}, "f218": {"type": "int"}, "f219": {"type": "int"}, "f220": {"type": "int"}, "f221": {"type": "int"}, "f222": {"type": "int"}, "f223": {"type": "int"}, "f224": {"type": "int"}, "f225": {"type": "int"}, "f226": {"type": "int"}, "f227": {"type": "int"}, "f228": {"type": "int"}, "f229": {"type": "int"}, "f230": {"type": "int"}, "f231": {"type": "int"}, "f232": {"type": "int"}, "f233": {"type": "int"}, "f234": {"type": "int"}, "f235": {"type": "int"}, "f236": {"type": "int"}, "f237": {"type": "int"}, "f238": {"type": "int"}, "f239": {"type": "int"}, "f240": {"type": "int"}, "f241": {"type": "int"}, "f242": {"type": "int"}, "f243": {"type": "int"}, "f244": {"type": "int"}, "f245": {"type": "int"}, "f246": {"type": "int"}, "f247": {"type": "int"}, "f248": {"type": "int"}, "f249": {"type": "int"}, "f250": {"type": "int"}, "f251": {"type": "int"}, "f252": {"type": "int"}, "f253": {"type": "int"}, "f254": {"type": "int"}, "f255": {"type": "int"}, "f256": {"type": "int"}, "f257": {"type": "int"}, "f258": {"type": "int"}, "f259": {"type": "int"}, "f260": {"type": "int"}, "f261": {"type": "int"}, "f262": {"type": "int"}, "f263": {"type": "int"}, "f264": {"type": "int"}, "f265": {"type": "int"}, "f266": {"type": "int"}, "f267": {"type": "int"}, "f268": {"type": "int"}, "f269": {"type": "int"}, "f270": {"type": "int"}, "f271": {"type": "int"}, "f272": {"type": "int"}, "f273": {"type": "int"}, "f274": {"type": "int"}, "f275": {"type": "int"}, "f276": {"type": "int"}, "f277": {"type": "int"}, "f278": {"type": "int"}, "f279": {"type": "int"}, "f280": {"type": "int"}, "f281": {"type": "int"}, "f282": {"type": "int"}, "f283": {"type": "int"}, "f284": {"type": "int"}, "f285": {"type": "int"}, "f286": {"type": "int"}, "f287": {"type": "int"}, "f288": {"type": "int"}, "f289": {"type": "int"}, "f290": {"type": "int"}, "f291": {"type": "int"}, "f292": {"type": "int"}, "f293": {"type": "int"}, "f294": {"type": "int"}, "f295": {"type": "int"}, "f296": {"type": "int"}, "f297": {"type": "int"}, "f298": {"type": "int"}, "f299": {"type": "int"}, "f300": {"type": "int"}, "f301": {"type": "int"}, "f302": {"type": "int"}, "f303": {"type": "int"}, "f304": {"type": "int"}, "f305": {"type": "int"}, "f306": {"type": "int"}, "f307": {"type": "int"}, "f308": {"type": "int"}, "f309": {"type": "int"}, "f310": {"type": "int"}, "f311": {"type": "int"}, "f312": {"type": "int"}, "f313": {"type": "int"}, "f314": {"type": "int"}, "f315": {"type": "int"}, "f316": {"type": "int"}, "f317": {"type": "int"}, "f318": {"type": "int"}, "f319": {"type": "int"}, "f320": {"type": "int"}, "f321": {"type": "int"}, "f322": {"type": "int"}, "f323": {"type": "int"}, "f324": {"type": "int"}, "f325": {"type": "int"}, "f326": {"type": "int"}, "f327": {"type": "int"}, "f328": {"type": "int"}, "f329": {"type": "int"}, "f330": {"type": "int"}, "f331": {"type": "int"}, "f332": {"type": "int"}, "f333": {"type": "int"}, "f334": {"type": "int"}, "f335": {"type": "int"}, "f336": {"type": "int"}, "f337": {"type": "int"}, "f338": {"type": "int"}, "f339": {"type": "int"}, "f340": {"type": "int"}, "f341": {"type": "int"}, "f342": {"type": "int"}, "f343": {"type": "int"}, "f344": {"type": "int"}, "f345": {"type": "int"}, "f346": {"type": "int"}, "f347": {"type": "int"}, "f348": {"type": "int"}, "f349": {"type": "int"}, "f350": {"type": "int"}, "f351": {"type": "int"}, "f352": {"type": "int"}, "f353": {"type": "int"}, "f354": {"type": "int"}, "f355": {"type": "int"}, "f356": {"type": "int"}, "f357": {"type": "int"}, "f358": {"type": "int"}, "f359": {"type": "int"}, "f360": {"type": "int"}, "f361": {"type": "int"}, "f362": {"type": "int"}, "f363": {"type": "int"}, "f364": {"type": "int"}, "f365": {"type": "int"}, "f366": {"type": "int"}, "f367": {"type": "int"}, "f368": {"type": "int"}, "f369": {"type": "int"}, "f370": {"type": "int"}, "f371": {"type": "int"}, "f372": {"type": "int"}, "f373": {"type": "int"}, "f374": {"type": "int"}, "f375": {"type": "int"}, "f376": {"type": "int"}, "f377": {"type": "int"}, "f378": {"type": "int"}, "f379": {"type": "int"}, "f380": {"type": "int"}, "f381": {"type": "int"}, "f382": {"type": "int"}, "f383": {"type": "int"}, "f384": {"type": "int"}, "f385": {"type": "int"}, "f386": {"type": "int"}, "f387": {"type": "int"}, "f388": {"type": "int"}, "f389": {"type": "int"}, "f390": {"type": "int"}, "f391": {"type": "int"}, "f392": {"type": "int"}, "f393": {"type": "int"}, "f394": {"type": "int"}, "f395": {"type": "int"}, "f396": {"type": "int"}, "f397": {"type": "int"}, "f398": {"type": "int"}, "f399": {"type": "int"}, "f400": {"type": "int"}, "f401": {"type": "int"}, "f402": {"type": "int"}, "f403": {"type": "int"}, "f404": {"type": "int"}, "f405": {"type": "int"}, "f406": {"type": "int"}, "f407": {"type": "int"}, "f408": {"type": "int"}, "f409": {"type": "int"}, "f410": {"type": "int"}, "f411": {"type": "int"}, "f412": {"type": "int"}, "f413": {"type": "int"}, "f414": {"type": "int"}, "f415": {"type": "int"}, "f416": {"type": "int"}, "f417": {"type": "int"}, "f418": {"type": "int"}, "f419": {"type": "int"}, "f420": {"type": "int"}, "f421": {"type": "int"}, "f422": {"type": "int"}, "f423": {"type": "int"}, "f424": {"type": "int"}, "f425": {"type": "int"}, "f426": {"type": "int"}, "f427": {"type": "int"}, "f428": {"type": "int"}, "f429": {"type": "int"}, "f430": {"type": "int"}, "f431": {"type": "int"}, "f432": {"type": "int"}, "f433": {"type": "int"}, "f434": {"type": "int"}, "f435": {"type": "int"}, "f436": {"type": "int"}, "f437": {"type": "int"}, "f438": {"type": "int"}, "f439": {"type": "int"}, "f440": {"type": "int"}, "f441": {"type": "int"}, "f442": {"type": "int"}, "f443": {"type": "int"}, "f444": {"type": "int"}, "f445": {"type": "int"}, "f446": {"type": "int"}, "f447": {"type": "int"}, "f448": {"type": "int"}, "f449": {"type": "int"}, "f450": {"type": "int"}, "f451": {"type": "int"}, "f452": {"type": "int"}, "f453": {"type": "int"}, "f454": {"type": "int"}, "f455": {"type": "int"}, "f456": {"type": "int"}, "f457": {"type": "int"}, "f458": {"type": "int"}, "f459": {"type": "int"}, "f460": {"type": "int"}, "f461": {"type": "int"}, "f462": {"type": "int"}, "f463": {"type": "int"}, "f464": {"type": "int"}, "f465": {"type": "int"}, "f466": {"type": "int"}, "f467": {"type": "int"}, "f468": {"type": "int"}, "f469": {"type": "int"}, "f470": {"type": "int"}, "f471": {"type": "int"}, "f472": {"type": "int"}, "f473": {"type": "int"}, "f474": {"type": "int"}, "f475": {"type": "int"}, "f476": {"type": "int"}, "f477": {"type": "int"}, "f478": {"type": "int"}, "f479": {"type": "int"}, "f480": {"type": "int"}, "f481": {"type": "int"}, "f482": {"type": "int"}, "f483": {"type": "int"}, "f484": {"type": "int"}, "f485": {"type": "int"}, "f486": {"type": "int"}, "f487": {"type": "int"}, "f488": {"type": "int"}, "f489": {"type": "int"}, "f490": {"type": "int"}, "f491": {"type": "int"}, "f492": {"type": "int"}, "f493": {"type": "int"}, "f494": {"type": "int"}, "f495": {"type": "int"}, "f496": {"type": "int"}, "f497": {"type": "int"}, "f498": {"type": "int"}, "f499": {"type": "int"}, "f500": {"type": "int"}, "f501": {"type": "int"}, "f502": {"type": "int"}, "f503": {"type": "int"}, "f504": {"type": "int"}, "f505": {"type": "int"}, "f506": {"type": "int"}, "f507": {"type": "int"}, "f508": {"type": "int"}, "f509": {"type": "int"}, "f510": {"type": "int"}, "f511": {"type": "int"}, "f512": {"type": "int"}, "f513": {"type": "int"}, "f514": {"type": "int"}, "f515": {"type": "int"}, "f516": {"type": "int"}, "f517": {"type": "int"}, "f518": {"type": "int"}, "f519": {"type": "int"}, "f520": {"type": "int"}, "f521": {"type": "int"}, "f522": {"type": "int"}, "f523": {"type": "int"}, "f524": {"type": "int"}, "f525": {"type": "int"}, "f526": {"type": "int"}, "f527": {"type": "int"}, "f528": {"type": "int"}, "f529": {"type": "int"}, "f530": {"type": "int"}, "f531": {"type": "int"}, "f532": {"type": "int"}, "f533": {"type": "int"}, "f534": {"type": "int"}, "f535": {"type": "int"}, "f536": {"type": "int"}, "f537": {"type": "int"}, "f538": {"type": "int"}, "f539": {"type": "int"}, "f540": {"type": "int"}, "f541": {"type": "int"}, "f542": {"type": "int"}, "f543": {"type": "int"}, "f544": {"type": "int"}, "f545": {"type": "int"}, "f546": {"type": "int"}, "f547": {"type": "int"}, "f548": {"type": "int"}, "f549": {"type": "int"}, "f550": {"type": "int"}, "f551": {"type": "int"}, "f552": {"type": "int"}, "f553": {"type": "int"}, "f554": {"type": "int"}, "f555": {"type": "int"}, "f556": {"type": "int"}, "f557": {"type": "int"}, "f558": {"type": "int"}, "f559": {"type": "int"}, "f560": {"type": "int"}, "f561": {"type": "int"}, "f562": {"type": "int"}, "f563": {"type": "int"}, "f564": {"type": "int"}, "f565": {"type": "int"}, "f566": {"type": "int"}, "f567": {"type": "int"}, "f568": {"type": "int"}, "f569": {"type": "int"}, "f570": {"type": "int"}, "f571": {"type": "int"}, "f572": {"type": "int"}, "f573": {"type": "int"}, "f574": {"type": "int"}, "f575": {"type": "int"}, "f576": {"type": "int"}, "f577": {"type": "int"}, "f578": {"type": "int"}, "f579": {"type": "int"}, "f580": {"type": "int"}, "f581": {"type": "int"}, "f582": {"type": "int"}, "f583": {"type": "int"}, "f584": {"type": "int"}, "f585": {"type": "int"}, "f586": {"type": "int"}, "f587": {"type": "int"}, "f588": {"type": "int"}, "f589": {"type": "int"}, "f590": {"type": "int"}, "f591": {"type": "int"}, "f592": {"type": "int"}, "f593": {"type": "int"}, "f594": {"type": "int"}, "f595": {"type": "int"}, "f596": {"type": "int"}, "f597": {"type": "int"}, "f598": {"type": "int"}, "f599": {"type": "int"}, "f600": {"type": "int"}, "f601": {"type": "int"}, "f602": {"type": "int"}, "f603": {"type": "int"}, "f604": {"type": "int"}, "f605": {"type": "int"}, "f606": {"type": "int"}, "f607": {"type": "int"}, "f608": {"type": "int"}, "f609": {"type": "int"}, "f610": {"type": "int"}, "f611": {"type": "int"}, "f612": {"type": "int"}, "f613": {"type": "int"}, "f614": {"type": "int"}, "f615": {"type": "int"}, "f616": {"type": "int"}, "f617": {"type": "int"}, "f618": {"type": "int"}, "f619": {"type": "int"}, "f620": {"type": "int"}, "f621": {"type": "int"}, "f622": {"type": "int"}, "f623": {"type": "int"}, "f624": {"type": "int"}, "f625": {"type": "int"}, "f626": {"type": "int"}, "f627": {"type": "int"}, "f628": {"type": "int"}, "f629": {"type": "int"}, "f630": {"type": "int"}, "f631": {"type": "int"}, "f632": {"type": "int"}, "f633": {"type": "int"}, "f634": {"type": "int"}, "f635": {"type": "int"}, "f636": {"type": "int"}, "f637": {"type": "int"}, "f638": {"type": "int"}, "f639": {"type": "int"}, "f640": {"type": "int"}, "f641": {"type": "int"}, "f642": {"type": "int"}, "f643": {"type": "int"}, "f644": {"type": "int"}, "f645": {"type": "int"}, "f646": {"type": "int"}, "f647": {"type": "int"}, "f648": {"type": "int"}, "f649": {"type": "int"}, "f650": {"type": "int"}, "f651": {"type": "int"}, "f652": {"type": "int"}, "f653": {"type": "int"}, "f654": {"type": "int"}, "f655": {"type": "int"}, "f656": {"type": "int"}, "f657": {"type": "int"}, "f658": {"type": "int"}, "f659": {"type": "int"}, "f660": {"type": "int"}, "f661": {"type": "int"}, "f662": {"type": "int"}, "f663": {"type": "int"}, "f664": {"type": "int"}, "f665": {"type": "int"}, "f666": {"type": "int"}, "f667": {"type": "int"}, "f668": {"type": "int"}, "f669": {"type": "int"}, "f670": {"type": "int"}, "f671": {"type": "int"}, "f672": {"type": "int"}, "f673": {"type": "int"}, "f674": {"type": "int"}, "f675": {"type": "int"}, "f676": {"type": "int"}, "f677": {"type": "int"}, "f678": {"type": "int"}, "f679": {"type": "int"}, "f680": {"type": "int"}, "f681": {"type": "int"}, "f682": {"type": "int"}, "f683": {"type": "int"}, "f684": {"type": "int"}, "f685": {"type": "int"}, "f686": {"type": "int"}, "f687": {"type": "int"}, "f688": {"type": "int"}, "f689": {"type": "int"}, "f690": {"type": "int"}, "f691": {"type": "int"}, "f692": {"type": "int"}, "f693": {"type": "int"}, "f694": {"type": "int"}, "f695": {"type": "int"}, "f696": {"type": "int"}, "f697": {"type": "int"}, "f698": {"type": "int"}, "f699": {"type": "int"}, "f700": {"type": "int"}, "f701": {"type": "int"}, "f702": {"type": "int"}, "f703": {"type": "int"}, "f704": {"type": "int"}, "f705": {"type": "int"}, "f706": {"type": "int"}, "f707": {"type": "int"}, "f708": {"type": "int"}, "f709": {"type": "int"}, "f710": {"type": "int"}, "f711": {"type": "int"}, "f712": {"type": "int"}, "f713": {"type": "int"}, "f714": {"type": "int"}, "f715": {"type": "int"}, "f716": {"type": "int"}, "f717": {"type": "int"}, "f718": {"type": "int"}, "f719": {"type": "int"}, "f720": {"type": "int"}, "f721": {"type": "int"}, "f722": {"type": "int"}, "f723": {"type": "int"}, "f724": {"type": "int"}, "f725": {"type": "int"}, "f726": {"type": "int"}, "f727": {"type": "int"}, "f728": {"type": "int"}, "f729": {"type": "int"}, "f730": {"type": "int"}, "f731": {"type": "int"}, "f732": {"type": "int"}, "f733": {"type": "int"}, "f734": {"type": "int"}, "f735": {"type": "int"}, "f736": {"type": "int"}, "f737": {"type": "int"}, "f738": {"type": "int"}, "f739": {"type": "int"}, "f740": {"type": "int"}, "f741": {"type": "int"}, "f742": {"type": "int"}, "f743": {"type": "int"}, "f744": {"type": "int"}, "f745": {"type": "int"}, "f746": {"type": "int"}, "f747": {"type": "int"}, "f748": {"type": "int"}, "f749": {"type": "int"}, "f750": {"type": "int"}, "f751": {"type": "int"}, "f752": {"type": "int"}, "f753": {"type": "int"}, "f754": {"type": "int"}, "f755": {"type": "int"}, "f756": {"type": "int"}, "f757": {"type": "int"}, "f758": {"type": "int"}, "f759": {"type": "int"}, "f760": {"type": "int"}, "f761": {"type": "int"}, "f762": {"type": "int"}, "f763": {"type": "int"}, "f764": {"type": "int"}, "f765": {"type": "int"}, "f766": {"type": "int"}, "f767": {"type": "int"}, "f768": {"type": "int"}, "f769": {"type": "int"}, "f770": {"type": "int"}, "f771": {"type": "int"}, "f772": {"type": "int"}, "f773": {"type": "int"}, "f774": {"type": "int"}, "f775": {"type": "int"}, "f776": {"type": "int"}, "f777": {"type": "int"}, "f778": {"type": "int"}, "f779": {"type": "int"}, "f780": {"type": "int"}, "f781": {"type": "int"}, "f782": {"type": "int"}, "f783": {"type": "int"}, "f784": {"type": "int"}, "f785": {"type": "int"}, "f786": {"type": "int"}, "f787": {"type": "int"}, "f788": {"type": "int"}, "f789": {"type": "int"}, "f790": {"type": "int"}, "f791": {"type": "int"}, "f792": {"type": "int"}, "f793": {"type": "int"}, "f794": {"type": "int"}, "f795": {"type": "int"}, "f796": {"type": "int"}, "f797": {"type": "int"}, "f798": {"type": "int"}, "f799": {"type": "int"}, "f800": {"type": "int"}, "f801": {"type": "int"}, "f802": {"type": "int"}, "f803": {"type": "int"}, "f804": {"type": "int"}, "f805": {"type": "int"}, "f806": {"type": "int"}, "f807": {"type": "int"}, "f808": {"type": "int"}, "f809": {"type": "int"}, "f810": {"type": "int"}, "f811": {"type": "int"}, "f812": {"type": "int"}, "f813": {"type": "int"}, "f814": {"type": "int"}, "f815": {"type": "int"}, "f816": {"type": "int"}, "f817": {"type": "int"}, "f818": {"type": "int"}, "f819": {"type": "int"}, "f820": {"type": "int"}, "f821": {"type": "int"}, "f822": {"type": "int"}, "f823": {"type": "int"}, "f824": {"type": "int"}, "f825": {"type": "int"}, "f826": {"type": "int"}, "f827": {"type": "int"}, "f828": {"type": "int"}, "f829": {"type": "int"}, "f830": {"type": "int"}, "f831": {"type": "int"}, "f832": {"type": "int"}, "f833": {"type": "int"}, "f834": {"type": "int"}, "f835": {"type": "int"}, "f836": {"type": "int"}, "f837": {"type": "int"}, "f838": {"type": "int"}, "f839": {"type": "int"}, "f840": {"type": "int"}, "f841": {"type": "int"}, "f842": {"type": "int"}, "f843": {"type": "int"}, "f844": {"type": "int"}, "f845": {"type": "int"}, "f846": {"type": "int"}, "f847": {"type": "int"}, "f848": {"type": "int"}, "f849": {"type": "int"}, "f850": {"type": "int"}, "f851": {"type": "int"}, "f852": {"type": "int"}, "f853": {"type": "int"}, "f854": {"type": "int"}, "f855": {"type": "int"}, "f856": {"type": "int"}, "f857": {"type": "int"}, "f858": {"type": "int"}, "f859": {"type": "int"}, "f860": {"type": "int"}, "f861": {"type": "int"}, "f862": {"type": "int"}, "f863": {"type": "int"}, "f864": {"type": "int"}, "f865": {"type": "int"}, "f866": {"type": "int"}, "f867": {"type": "int"}, "f868": {"type": "int"}, "f869": {"type": "int"}, "f870": {"type": "int"}, "f871": {"type": "int"}, "f872": {"type": "int"}, "f873": {"type": "int"}, "f874": {"type": "int"}, "f875": {"type": "int"}, "f876": {"type": "int"}, "f877": {"type": "int"}, "f878": {"type": "int"}, "f879": {"type": "int"}, "f880": {"type": "int"}, "f881": {"type": "int"}, "f882": {"type": "int"}, "f883": {"type": "int"}, "f884": {"type": "int"}, "f885": {"type": "int"}, "f886": {"type": "int"}, "f887": {"type": "int"}, "f888": {"type": "int"}, "f889": {"type": "int"}, "f890": {"type": "int"}, "f891": {"type": "int"}, "f892": {"type": "int"}, "f893": {"type": "int"}, "f894": {"type": "int"}, "f895": {"type": "int"}, "f896": {"type": "int"}, "f897": {"type": "int"}, "f898": {"type": "int"}, "f899": {"type": "int"}, "f900": {"type": "int"}, "f901": {"type": "int"}, "f902": {"type": "int"}, "f903": {"type": "int"}, "f904": {"type": "int"}, "f905": {"type": "int"}, "f906": {"type": "int"}, "f907": {"type": "int"}, "f908": {"type": "int"}, "f909": {"type": "int"}, "f910": {"type": "int"}, "f911": {"type": "int"}, "f912": {"type": "int"}, "f913": {"type": "int"}, "f914": {"type": "int"}, "f915": {"type": "int"}, "f916": {"type": "int"}, "f917": {"type": "int"}, "f918": {"type": "int"}, "f919": {"type": "int"}, "f920": {"type": "int"}, "f921": {"type": "int"}, "f922": {"type": "int"}, "f923": {"type": "int"}, "f924": {"type": "int"}, "f925": {"type": "int"}, "f926": {"type": "int"}, "f927": {"type": "int"}, "f928": {"type": "int"}, "f929": {"type": "int"}, "f930": {"type": "int"}, "f931": {"type": "int"}, "f932": {"type": "int"}, "f933": {"type": "int"}, "f934": {"type": "int"}, "f935": {"type": "int"}, "f936": {"type": "int"}, "f937": {"type": "int"}, "f938": {"type": "int"}, "f939": {"type": "int"}, "f940": {"type": "int"}, "f941": {"type": "int"}, "f942": {"type": "int"}, "f943": {"type": "int"}, "f944": {"type": "int"}, "f945": {"type": "int"}, "f946": {"type": "int"}, "f947": {"type": "int"}, "f948": {"type": "int"}, "f949": {"type": "int"}, "f950": {"type": "int"}, "f951": {"type": "int"}, "f952": {"type": "int"}, "f953": {"type": "int"}, "f954": {"type": "int"}, "f955": {"type": "int"}, "f956": {"type": "int"}, "f957": {"type": "int"}, "f958": {"type": "int"}, "f959": {"type": "int"}, "f960": {"type": "int"}, "f961": {"type": "int"}, "f962": {"type": "int"}, "f963": {"type": "int"}, "f964": {"type": "int"}, "f965": {"type": "int"}, "f966": {"type": "int"}, "f967": {"type": "int"}, "f968": {"type": "int"}, "f969": {"type": "int"}, "f970": {"type": "int"}, "f971": {"type": "int"}, "f972": {"type": "int"}, "f973": {"type": "int"}, "f974": {"type": "int"}, "f975": {"type": "int"}, "f976": {"type": "int"}, "f977": {"type": "int"}, "f978": {"type": "int"}, "f979": {"type": "int"}, "f980": {"type": "int"}, "f981": {"type": "int"}, "f982": {"type": "int"}, "f983": {"type": "int"}, "f984": {"type": "int"}, "f985": {"type": "int"}, "f986": {"type": "int"}, "f987": {"type": "int"}, "f988": {"type": "int"}, "f989": {"type": "int"}, "f990": {"type": "int"}, "f991": {"type": "int"}, "f992": {"type": "int"}, "f993": {"type": "int"}, "f994": {"type": "int"}, "f995": {"type": "int"}, "f996": {"type": "int"}, "f997": {"type": "int"}, "f998": {"type": "int"}, "f999": {"type": "int"}, "f1000": {"type": "int"}, "f1001": {"type": "int"}, "f1002": {"type": "int"}, "f1003": {"type": "int"}, "f1004": {"type": "int"}, "f1005": {"type": "int"}, "f1006": {"type": "int"}, "f1007": {"type": "int"}, "f1008": {"type": "int"}, "f1009": {"type": "int"}, "f1010": {"type": "int"}, "f1011": {"type": "int"}, "f1012": {"type": "int"}, "f1013": {"type": "int"}, "f1014": {"type": "int"}, "f1015": {"type": "int"}, "f1016": {"type": "int"}, "f1017": {"type": "int"}, "f1018": {"type": "int"}, "f1019": {"type": "int"}, "f1020": {"type": "int"}, "f1021": {"type": "int"}, "f1022": {"type": "int"}, "f1023": {"type": "int"}, "f1024": {"type": "int"}, "f1025": {"type": "int"}, "f1026": {"type": "int"}, "f1027": {"type": "int"}, "f1028": {"type": "int"}, "f1029": {"type": "int"}, "f1030": {"type": "int"}, "f1031": {"type": "int"}, "f1032": {"type": "int"}, "f1033": {"type": "int"}, "f1034": {"type": "int"}, "f1035": {"type": "int"}, "f1036": {"type": "int"}, "f1037": {"type": "int"}, "f1038": {"type": "int"}, "f1039": {"type": "int"}, "f1040": {"type": "int"}, "f1041": {"type": "int"}, "f1042": {"type": "int"}, "f1043": {"type": "int"}, "f1044": {"type": "int"}, "f1045": {"type": "int"}, "f1046": {"type": "int"}, "f1047": {"type": "int"}, "f1048": {"type": "int"}, "f1049": {"type": "int"}, "f1050": {"type": "int"}, "f1051": {"type": "int"}, "f1052": {"type": "int"}, "f1053": {"type": "int"}, "f1054": {"type": "int"}, "f1055": {"type": "int"}, "f1056": {"type": "int"}, "f1057": {"type": "int"}, "f1058": {"type": "int"}, "f1059": {"type": "int"}, "f1060": {"type": "int"}, "f1061": {"type": "int"}, "f1062": {"type": "int"}, "f1063": {"type": "int"}, "f1064": {"type": "int"}, "f1065": {"type": "int"}, "f1066": {"type": "int"}, "f1067": {"type": "int"}, "f1068": {"type": "int"}, "f1069": {"type": "int"}, "f1070": {"type": "int"}, "f1071": {"type": "int"}, "f1072": {"type": "int"}, "f1073": {"type": "int"}, "f1074": {"type": "int"}, "f1075": {"type": "int"}, "f1076": {"type": "int"}, "f1077": {"type": "int"}, "f1078": {"type": "int"}, "f1079": {"type": "int"}, "f1080": {"type": "int"}, "f1081": {"type": "int"}, "f1082": {"type": "int"}, "f1083": {"type": "int"}, "f1084": {"type": "int"}, "f1085": {"type": "int"}, "f1086": {"type": "int"}, "f1087": {"type": "int"}, "f1088": {"type": "int"}, "f1089": {"type": "int"}, "f1090": {"type": "int"}, "f1091": {"type": "int"}, "f1092": {"type": "int"}, "f1093": {"type": "int"}, "f1094": {"type": "int"}, "f1095": {"type": "int"}, "f1096": {"type": "int"}, "f1097": {"type": "int"}, "f1098": {"type": "int"}, "f1099": {"type": "int"}, "f1100": {"type": "int"}, "f1101": {"type": "int"}, "f1102": {"type": "int"}, "f1103": {"type": "int"}, "f1104": {"type": "int"}, "f1105": {"type": "int"}, "f1106": {"type": "int"}, "f1107": {"type": "int"}, "f1108": {"type": "int"}, "f1109": {"type": "int"}, "f1110": {"type": "int"}, "f1111": {"type": "int"}, "f1112": {"type": "int"}, "f1113": {"type": "int"}, "f1114": {"type": "int"}, "f1115": {"type": "int"}, "f1116": {"type": "int"}, "f1117": {"type": "int"}, "f1118": {"type": "int"}, "f1119": {"type": "int"}, "f1120": {"type": "int"}, "f1121": {"type": "int"}, "f1122": {"type": "int"}, "f1123": {"type": "int"}, "f1124": {"type": "int"}, "f1125": {"type": "int"}, "f1126": {"type": "int"}, "f1127": {"type": "int"}, "f1128": {"type": "int"}, "f1129": {"type": "int"}, "f1130": {"type": "int"}, "f1131": {"type": "int"}, "f1132": {"type": "int"}, "f1133": {"type": "int"}, "f1134": {"type": "int"}, "f1135": {"type": "int"}, "f1136": {"type": "int"}, "f1137": {"type": "int"}, "f1138": {"type": "int"}, "f1139": {"type": "int"}, "f1140": {"type": "int"}, "f1141": {"type": "int"}, "f1142": {"type": "int"}, "f1143": {"type": "int"}, "f1144": {"type": "int"}, "f1145": {"type": "int"}, "f1146": {"type": "int"}, "f1147": {"type": "int"}, "f1148": {"type": "int"}, "f1149": {"type": "int"}, "f1150": {"type": "int"}, "f1151": {"type": "int"}, "f1152": {"type": "int"}, "f1153": {"type": "int"}, "f1154": {"type": "int"}, "f1155": {"type": "int"}, "f1156": {"type": "int"}, "f1157": {"type": "int"}, "f1158": {"type": "int"}, "f1159": {"type": "int"}, "f1160": {"type": "int"}, "f1161": {"type": "int"}, "f1162": {"type": "int"}, "f1163": {"type": "int"}, "f1164": {"type": "int"}, "f1165": {"type": "int"}, "f1166": {"type": "int"}, "f1167": {"type": "int"}, "f1168": {"type": "int"}, "f1169": {"type": "int"}, "f1170": {"type": "int"}, "f1171": {"type": "int"}, "f1172": {"type": "int"}, "f1173": {"type": "int"}, "f1174": {"type": "int"}, "f1175": {"type": "int"}, "f1176": {"type": "int"}, "f1177": {"type": "int"}, "f1178": {"type": "int"}, "f1179": {"type": "int"}, "f1180": {"type": "int"}, "f1181": {"type": "int"}, "f1182": {"type": "int"}, "f1183": {"type": "int"}, "f1184": {"type": "int"}, "f1185": {"type": "int"}, "f1186": {"type": "int"}, "f1187": {"type": "int"}, "f1188": {"type": "int"}, "f1189": {"type": "int"}, "f1190": {"type": "int"}, "f1191": {"type": "int"}, "f1192": {"type": "int"}, "f1193": {"type": "int"}, "f1194": {"type": "int"}, "f1195": {"type": "int"}, "f1196": {"type": "int"}, "f1197": {"type": "int"}, "f1198": {"type": "int"}, "f1199": {"type": "int"}, "f1200": {"type": "int"}, "f1201": {"type": "int"}, "f1202": {"type": "int"}, "f1203": {"type": "int"}, "f1204": {"type": "int"}, "f1205": {"type": "int"}, "f1206": {"type": "int"}, "f1207": {"type": "int"}, "f1208": {"type": "int"}, "f1209": {"type": "int"}, "f1210": {"type": "int"}, "f1211": {"type": "int"}, "f1212": {"type": "int"}, "f1213": {"type": "int"}, "f1214": {"type": "int"}, "f1215": {"type": "int"}, "f1216": {"type": "int"}, "f1217": {"type": "int"}, "f1218": {"type": "int"}, "f1219": {"type": "int"}, "f1220": {"type": "int"}, "f1221": {"type": "int"}, "f1222": {"type": "int"}, "f1223": {"type": "int"}, "f1224": {"type": "int"}, "f1225": {"type": "int"}, "f1226": {"type": "int"}, "f1227": {"type": "int"}, "f1228": {"type": "int"}, "f1229": {"type": "int"}, "f1230": {"type": "int"}, "f1231": {"type": "int"}, "f1232": {"type": "int"}, "f1233": {"type": "int"}, "f1234": {"type": "int"}, "f1235": {"type": "int"}, "f1236": {"type": "int"}, "f1237": {"type": "int"}, "f1238": {"type": "int"}, "f1239": {"type": "int"}, "f1240": {"type": "int"}, "f1241": {"type": "int"}, "f1242": {"type": "int"}, "f1243": {"type": "int"}, "f1244": {"type": "int"}, "f1245": {"type": "int"}, "f1246": {"type": "int"}, "f1247": {"type": "int"}, "f1248": {"type": "int"}, "f1249": {"type": "int"}, "f1250": {"type": "int"}, "f1251": {"type": "int"}, "f1252": {"type": "int"}, "f1253": {"type": "int"}, "f1254": {"type": "int"}, "f1255": {"type": "int"}, "f1256": {"type": "int"}, "f1257": {"type": "int"}, "f1258": {"type": "int"}, "f1259": {"type": "int"}, "f1260": {"type": "int"}, "f1261": {"type": "int"}, "f1262": {"type": "int"}, "f1263": {"type": "int"}, "f1264": {"type": "int"}, "f1265": {"type": "int"}, "f1266": {"type": "int"}, "f1267": {"type": "int"}, "f1268": {"type": "int"}, "f1269": {"type": "int"}, "f1270": {"type": "int"}, "f1271": {"type": "int"}, "f1272": {"type": "int"}, "f1273": {"type": "int"}, "f1274": {"type": "int"}, "f1275": {"type": "int"}, "f1276": {"type": "int"}, "f1277": {"type": "int"}, "f1278": {"type": "int"}, "f1279": {"type": "int"}, "f1280": {"type": "int"}, "f1281": {"type": "int"}, "f1282": {"type": "int"}, "f1283": {"type": "int"}, "f1284": {"type": "int"}, "f1285": {"type": "int"}, "f1286": {"type": "int"}, "f1287": {"type": "int"}, "f1288": {"type": "int"}, "f1289": {"type": "int"}, "f1290": {"type": "int"}, "f1291": {"type": "int"}, "f1292": {"type": "int"}, "f1293": {"type": "int"}, "f1294": {"type": "int"}, "f1295": {"type": "int"}, "f1296": {"type": "int"}, "f1297": {"type": "int"}, "f1298": {"type": "int"}, "f1299": {"type": "int"}, "f1300": {"type": "int"}, "f1301": {"type": "int"}, "f1302": {"type": "int"}, "f1303": {"type": "int"}, "f1304": {"type": "int"}, "f1305": {"type": "int"}, "f1306": {"type": "int"}, "f1307": {"type": "int"}, "f1308": {"type": "int"}, "f1309": {"type": "int"}, "f1310": {"type": "int"}, "f1311": {"type": "int"}, "f1312": {"type": "int"}, "f1313": {"type": "int"}, "f1314": {"type": "int"}, "f1315": {"type": "int"}, "f1316": {"type": "int"}, "f1317": {"type": "int"}, "f1318": {"type": "int"}, "f1319": {"type": "int"}, "f1320": {"type": "int"}, "f1321": {"type": "int"}, "f1322": {"type": "int"}, "f1323": {"type": "int"}, "f1324": {"type": "int"}, "f1325": {"type": "int"}, "f1326": {"type": "int"}, "f1327": {"type": "int"}, "f1328": {"type": "int"}, "f1329": {"type": "int"}, "f1330": {"type": "int"}, "f1331": {"type": "int"}, "f1332": {"type": "int"}, "f1333": {"type": "int"}, "f1334": {"type": "int"}, "f1335": {"type": "int"}, "f1336": {"type": "int"}, "f1337": {"type": "int"}, "f1338": {"type": "int"}, "f1339": {"type": "int"}, "f1340": {"type": "int"}, "f1341": {"type": "int"}, "f1342": {"type": "int"}, "f1343": {"type": "int"}, "f1344": {"type": "int"}, "f1345": {"type": "int"}, "f1346": {"type": "int"}, "f1347": {"type": "int"}, "f1348": {"type": "int"}, "f1349": {"type": "int"}, "f1350": {"type": "int"}, "f1351": {"type": "int"}, "f1352": {"type": "int"}, "f1353": {"type": "int"}, "f1354": {"type": "int"}, "f1355": {"type": "int"}, "f1356": {"type": "int"}, "f1357": {"type": "int"}, "f1358": {"type": "int"}, "f1359": {"type": "int"}, "f1360": {"type": "int"}, "f1361": {"type": "int"}, "f1362": {"type": "int"}, "f1363": {"type": "int"}, "f1364": {"type": "int"}, "f1365": {"type": "int"}, "f1366": {"type": "int"}, "f1367": {"type": "int"}, "f1368": {"type": "int"}, "f1369": {"type": "int"}, "f1370": {"type": "int"}, "f1371": {"type": "int"}, "f1372": {"type": "int"}, "f1373": {"type": "int"}, "f1374": {"type": "int"}, "f1375": {"type": "int"}, "f1376": {"type": "int"}, "f1377": {"type": "int"}, "f1378": {"type": "int"}, "f1379": {"type": "int"}, "f1380": {"type": "int"}, "f1381": {"type": "int"}, "f1382": {"type": "int"}, "f1383": {"type": "int"}, "f1384": {"type": "int"}, "f1385": {"type": "int"}, "f1386": {"type": "int"}, "f1387": {"type": "int"}, "f1388": {"type": "int"}, "f1389": {"type": "int"}, "f1390": {"type": "int"}, "f1391": {"type": "int"}, "f1392": {"type": "int"}, "f1393": {"type": "int"}, "f1394": {"type": "int"}, "f1395": {"type": "int"}, "f1396": {"type": "int"}, "f1397": {"type": "int"}, "f1398": {"type": "int"}, "f1399": {"type": "int"}, "f1400": {"type": "int"}, "f1401": {"type": "int"}, "f1402": {"type": "int"}, "f1403": {"type": "int"}, "f1404": {"type": "int"}, "f1405": {"type": "int"}, "f1406": {"type": "int"}, "f1407": {"type": "int"}, "f1408": {"type": "int"}, "f1409": {"type": "int"}, "f1410": {"type": "int"}, "f1411": {"type": "int"}, "f1412": {"type": "int"}, "f1413": {"type": "int"}, "f1414": {"type": "int"}, "f1415": {"type": "int"}, "f1416": {"type": "int"}, "f1417": {"type": "int"}, "f1418": {"type": "int"}, "f1419": {"type": "int"}, "f1420": {"type": "int"}, "f1421": {"type": "int"}, "f1422": {"type": "int"}, "f1423": {"type": "int"}, "f1424": {"type": "int"}, "f1425": {"type": "int"}, "f1426": {"type": "int"}, "f1427": {"type": "int"}, "f1428": {"type": "int"}, "f1429": {"type": "int"}, "f1430": {"type": "int"}, "f1431": {"type": "int"}, "f1432": {"type": "int"}, "f1433": {"type": "int"}, "f1434": {"type": "int"}, "f1435": {"type": "int"}, "f1436": {"type": "int"}, "f1437": {"type": "int"}, "f1438": {"type": "int"}, "f1439": {"type": "int"}, "f1440": {"type": "int"}, "f1441": {"type": "int"}, "f1442": {"type": "int"}, "f1443": {"type": "int"}, "f1444": {"type": "int"}, "f1445": {"type": "int"}, "f1446": {"type": "int"}, "f1447": {"type": "int"}, "f1448": {"type": "int"}, "f1449": {"type": "int"}, "f1450": {"type": "int"}, "f1451": {"type": "int"}, "f1452": {"type": "int"}, "f1453": {"type": "int"}, "f1454": {"type": "int"}, "f1455": {"type": "int"}, "f1456": {"type": "int"}, "f1457": {"type": "int"}, "f1458": {"type": "int"}, "f1459": {"type": "int"}, "f1460": {"type": "int"}, "f1461": {"type": "int"}, "f1462": {"type": "int"}, "f1463": {"type": "int"}, "f1464": {"type": "int"}, "f1465": {"type": "int"}, "f1466": {"type": "int"}, "f1467": {"type": "int"}, "f1468": {"type": "int"}, "f1469": {"type": "int"}, "f1470": {"type": "int"}, "f1471": {"type": "int"}, "f1472": {"type": "int"}, "f1473": {"type": "int"}, "f1474": {"type": "int"}, "f1475": {"type": "int"}, "f1476": {"type": "int"}, "f1477": {"type": "int"}, "f1478": {"type": "int"}, "f1479": {"type": "int"}, "f1480": {"type": "int"}, "f1481": {"type": "int"}, "f1482": {"type": "int"}, "f1483": {"type": "int"}, "f1484": {"type": "int"}, "f1485": {"type": "int"}, "f1486": {"type": "int"}, "f1487": {"type": "int"}, "f1488": {"type": "int"}, "f1489": {"type": "int"}, "f1490": {"type": "int"}, "f1491": {"type": "int"}, "f1492": {"type": "int"}, "f1493": {"type": "int"}, "f1494": {"type": "int"}, "f1495": {"type": "int"}, "f1496": {"type": "int"}, "f1497": {"type": "int"}, "f1498": {"type": "int"}, "f1499": {"type": "int"}, "f1500": {"type": "int"}, "f1501": {"type": "int"}, "f1502": {"type": "int"}, "f1503": {"type": "int"}, "f1504": {"type": "int"}, "f1505": {"type": "int"}, "f1506": {"type": "int"}, "f1507": {"type": "int"}, "f1508": {"type": "int"}, "f1509": {"type": "int"}, "f1510": {"type": "int"}, "f1511": {"type": "int"}, "f1512": {"type": "int"}, "f1513": {"type": "int"}, "f1514": {"type": "int"}, "f1515": {"type": "int"}, "f1516": {"type": "int"}, "f1517": {"type": "int"}, "f1518": {"type": "int"}, "f1519": {"type": "int"}, "f1520": {"type": "int"}, "f1521": {"type": "int"}, "f1522": {"type": "int"}, "f1523": {"type": "int"}, "f1524": {"type": "int"}, "f1525": {"type": "int"}, "f1526": {"type": "int"}, "f1527": {"type": "int"}, "f1528": {"type": "int"}, "f1529": {"type": "int"}, "f1530": {"type": "int"}, "f1531": {"type": "int"}, "f1532": {"type": "int"}, "f1533": {"type": "int"}, "f1534": {"type": "int"}, "f1535": {"type": "int"}, "f1536": {"type": "int"}, "f1537": {"type": "int"}, "f1538": {"type": "int"}, "f1539": {"type": "int"}, "f1540": {"type": "int"}, "f1541": {"type": "int"}, "f1542": {"type": "int"}, "f1543": {"type": "int"}, "f1544": {"type": "int"}, "f1545": {"type": "int"}, "f1546": {"type": "int"}, "f1547": {"type": "int"}, "f1548": {"type": "int"}, "f1549": {"type": "int"}, "f1550": {"type": "int"}, "f1551": {"type": "int"}, "f1552": {"type": "int"}, "f1553": {"type": "int"}, "f1554": {"type": "int"}, "f1555": {"type": "int"}, "f1556": {"type": "int"}, "f1557": {"type": "int"}, "f1558": {"type": "int"}, "f1559": {"type": "int"}, "f1560": {"type": "int"}, "f1561": {"type": "int"}, "f1562": {"type": "int"}, "f1563": {"type": "int"}, "f1564": {"type": "int"}, "f1565": {"type": "int"}, "f1566": {"type": "int"}, "f1567": {"type": "int"}, "f1568": {"type": "int"}, "f1569": {"type": "int"}, "f1570": {"type": "int"}, "f1571": {"type": "int"}, "f1572": {"type": "int"}, "f1573": {"type": "int"}, "f1574": {"type": "int"}, "f1575": {"type": "int"}, "f1576": {"type": "int"}, "f1577": {"type": "int"}, "f1578": {"type": "int"}, "f1579": {"type": "int"}, "f1580": {"type": "int"}, "f1581": {"type": "int"}, "f1582": {"type": "int"}, "f1583": {"type": "int"}, "f1584": {"type": "int"}, "f1585": {"type": "int"}, "f1586": {"type": "int"}, "f1587": {"type": "int"}, "f1588": {"type": "int"}, "f1589": {"type": "int"}, "f1590": {"type": "int"}, "f1591": {"type": "int"}, "f1592": {"type": "int"}, "f1593": {"type": "int"}, "f1594": {"type": "int"}, "f1595": {"type": "int"}, "f1596": {"type": "int"}, "f1597": {"type": "int"}, "f1598": {"type": "int"}, "f1599": {"type": "int"}}}}"#,
            "too_many_columns"
        ),
        (
            "two foreign keys named alike after truncation",
            #"{"u": {"fields": {}}, "tttttttttttttttttttttttttttttttttttttttt": {"fields": {"bbbbbbbbbbbbbbbbbbbbbbbbbbbb_one": {"type": "int", "source": "u", "sourceid": "id"}, "bbbbbbbbbbbbbbbbbbbbbbbbbbbb_two": {"type": "int", "source": "u", "sourceid": "id", "as": "two"}}}}"#,
            "name_collision"
        ),
        (
            "a junction named like a model's table",
            #"{"tag": {"fields": {}}, "post": {"fields": {"tags": {"type": "int", "multi": true, "source": "tag", "sourceid": "id"}}}, "x": {"table": "post__tags__to__tag__id", "fields": {}}}"#,
            "duplicate_table"
        ),
        ("malformed JSON", #"{"post": {"fields": {"a": {"type": "string"}},}}"#, "json_syntax"),
        ("truncated JSON", #"{"post": {"fields": "#, "json_syntax"),
        ("empty file", "", "empty_file"),
        ("fragment not an object", "[1, 2]", "fragment_not_object"),
        ("empty fragment", "{}", "no_model"),
        ("fragment without model", #"{"post": {"table": "x"}}"#, "no_model"),
        // `fields` must be an object for an entry to be a model at all (EngineJS's isDslModelSpec).
        ("fields is an array", #"{"post": {"fields": []}}"#, "no_model"),
        // EngineJS's DSL JSON schema (ajv) refuses these before anything else.
        ("field not an object", #"{"post": {"fields": {"a": "string"}}}"#, "schema_invalid"),
        ("field is null", #"{"post": {"fields": {"a": null}}}"#, "schema_invalid"),
        ("length is a string", #"{"post": {"fields": {"a": {"type": "string", "length": "50"}}}}"#, "schema_invalid"),
        ("max is a string", #"{"post": {"fields": {"a": {"type": "string", "max": "50"}}}}"#, "schema_invalid"),
        ("size is a boolean", #"{"post": {"fields": {"a": {"type": "string", "size": true}}}}"#, "schema_invalid"),
        ("length is null", #"{"post": {"fields": {"a": {"type": "string", "length": null}}}}"#, "schema_invalid"),
        ("type not a string", #"{"post": {"fields": {"a": {"type": 5}}}}"#, "schema_invalid"),
        ("type is null", #"{"post": {"fields": {"a": {"type": null}}}}"#, "schema_invalid"),
        ("label not a string", #"{"post": {"fields": {"a": {"type": "string", "label": 1}}}}"#, "schema_invalid"),
        ("source not a string", #"{"post": {"fields": {"a": {"type": "int", "source": 1}}}}"#, "schema_invalid"),
        (
            "sourceid is null", #"{"post": {"fields": {"a": {"type": "int", "source": "post", "sourceid": null}}}}"#,
            "schema_invalid"
        ),
        (
            "columnName not a string", #"{"post": {"fields": {"a": {"type": "int", "columnName": ["x"]}}}}"#,
            "schema_invalid"
        ),
        ("as not a string", #"{"post": {"fields": {"a": {"type": "int", "as": {}}}}}"#, "schema_invalid"),
        ("inverseAs not a string", #"{"post": {"fields": {"a": {"type": "int", "inverseAs": 2}}}}"#, "schema_invalid"),
        (
            "onUpdate not a string",
            #"{"post": {"fields": {"owner": {"type": "int", "source": "user", "onUpdate": 1}}}, "user": {"fields": {}}}"#,
            "schema_invalid"
        ),
        ("onDelete is null", #"{"post": {"fields": {"owner": {"type": "int", "onDelete": null}}}}"#, "schema_invalid"),
        (
            "unique not a boolean", #"{"post": {"fields": {"s": {"type": "string", "unique": "yes"}}}}"#,
            "schema_invalid"
        ),
        ("required is null", #"{"post": {"fields": {"s": {"type": "string", "required": null}}}}"#, "schema_invalid"),
        ("save is a number", #"{"post": {"fields": {"s": {"type": "string", "save": 0}}}}"#, "schema_invalid"),
        ("multi is a string", #"{"post": {"fields": {"s": {"type": "string", "multi": "true"}}}}"#, "schema_invalid"),
        ("primary is null", #"{"post": {"fields": {"s": {"type": "int", "primary": null}}}}"#, "schema_invalid"),
        (
            "autoIncrement is a number", #"{"post": {"fields": {"s": {"type": "int", "autoIncrement": 1}}}}"#,
            "schema_invalid"
        ),
        ("canfind is a string", #"{"post": {"fields": {"s": {"type": "int", "canfind": "no"}}}}"#, "schema_invalid"),
        ("table not a string", #"{"post": {"table": 1, "fields": {}}}"#, "schema_invalid"),
        ("table is null", #"{"post": {"table": null, "fields": {}}}"#, "schema_invalid"),
        (
            "auto_name not an array", #"{"post": {"fields": {"a": {"type": "string"}}, "auto_name": "a"}}"#,
            "schema_invalid"
        ),
        (
            "auto_name holds a number", #"{"post": {"fields": {"a": {"type": "string"}}, "auto_name": [1]}}"#,
            "schema_invalid"
        ),
        ("indexes not an object", #"{"post": {"fields": {}, "indexes": []}}"#, "schema_invalid"),
        ("index list not an array", #"{"post": {"fields": {}, "indexes": {"many": "a"}}}"#, "schema_invalid"),
        (
            "index entry not a string", #"{"post": {"fields": {"a": {"type": "int"}}, "indexes": {"unique": [[1]]}}}"#,
            "schema_invalid"
        ),
        (
            "lower index not an array of arrays",
            #"{"post": {"fields": {"a": {"type": "string"}}, "indexes": {"lower": ["a"]}}}"#, "schema_invalid"
        ),
        (
            "sql injection model key", #"{"post; DROP TABLE x; --": {"fields": {"a": {"type": "string"}}}}"#,
            "schema_invalid"
        ),
        ("model key starting with a digit", #"{"1post": {"fields": {}}}"#, "schema_invalid"),
        ("model key with a dash", #"{"blog-post": {"fields": {}}}"#, "schema_invalid"),
        ("model key with a non-ASCII letter", #"{"café": {"fields": {}}}"#, "schema_invalid"),
        // Identifiers PostgreSQL would truncate: always errors.
        (
            "identifier over 63 bytes",
            #"{"post": {"fields": {"\#(String(repeating: "a", count: 64))": {"type": "string"}}}}"#,
            "identifier_too_long"
        ),
        (
            "column name over 63 bytes",
            #"{"post": {"fields": {"a": {"type": "string", "columnName": "\#(String(repeating: "c", count: 64))"}}}}"#,
            "identifier_too_long"
        ),
        (
            "table over 63 bytes", #"{"post": {"table": "\#(String(repeating: "t", count: 64))", "fields": {}}}"#,
            "identifier_too_long"
        ),
        (
            "duplicate column via columnName",
            #"{"post": {"fields": {"a": {"type": "string"}, "b": {"type": "string", "columnName": "a"}}}}"#,
            "duplicate_column"
        ),
        (
            "field clashing with system column",
            #"{"post": {"fields": {"createdAt": {"type": "datetime", "columnName": "created_at"}}}}"#,
            "duplicate_column"
        ),
        (
            "field mapped onto the auto id", #"{"post": {"fields": {"key": {"type": "int", "columnName": "id"}}}}"#,
            "duplicate_column"
        ),
        // Sequelize's own checks.
        ("saved id that is not primary", #"{"post": {"fields": {"id": {"type": "uuid"}}}}"#, "id_not_primary"),
        (
            "saved int id that is not primary",
            #"{"post": {"fields": {"id": {"type": "int", "autoIncrement": true}}}}"#, "id_not_primary"
        ),
        (
            "autoIncrement beside the auto id", #"{"post": {"fields": {"n": {"type": "int", "autoIncrement": true}}}}"#,
            "multiple_auto_increment"
        ),
        (
            "two autoIncrement fields",
            #"{"post": {"fields": {"id": {"type": "int", "primary": true, "autoIncrement": true}, "n": {"type": "bigint", "autoIncrement": true}}}}"#,
            "multiple_auto_increment"
        ),
        (
            "relation to non key",
            #"{"post": {"fields": {"owner": {"type": "string", "source": "user", "sourceid": "email"}}}, "user": {"fields": {"email": {"type": "string", "unique": true}}}}"#,
            "source_not_primary_key"
        ),
        (
            "relation to a composite key",
            #"{"post": {"fields": {"owner": {"type": "string", "source": "user", "sourceid": "code"}}}, "user": {"fields": {"code": {"type": "string", "primary": true}}}}"#,
            "source_not_primary_key"
        ),
        (
            "junction to a model with a composite key",
            #"{"post": {"fields": {"tags": {"type": "int", "multi": true, "source": "tag", "sourceid": "code"}}}, "tag": {"fields": {"code": {"type": "string", "primary": true}}}}"#,
            "source_not_primary_key"
        ),
        (
            "junction from a model with a composite key",
            #"{"post": {"fields": {"code": {"type": "string", "primary": true}, "tags": {"type": "int", "multi": true, "source": "tag", "sourceid": "id"}}}, "tag": {"fields": {}}}"#,
            "source_not_primary_key"
        ),
        (
            "relation type mismatch",
            #"{"post": {"fields": {"owner": {"type": "string", "source": "user", "sourceid": "id"}}}, "user": {"fields": {}}}"#,
            "relation_type_mismatch"
        ),
        // Not a junction (boolean): a scalar column whose foreign key PostgreSQL refuses.
        (
            "multi boolean with source and sourceid",
            #"{"post": {"fields": {"tags": {"type": "boolean", "multi": true, "source": "tag", "sourceid": "id"}}}, "tag": {"fields": {}}}"#,
            "relation_type_mismatch"
        ),
        (
            "bad onDelete",
            #"{"post": {"fields": {"owner": {"type": "int", "source": "user", "onDelete": "EXPLODE"}}}, "user": {"fields": {}}}"#,
            "invalid_referential_action"
        ),
        (
            "bad onUpdate",
            #"{"post": {"fields": {"owner": {"type": "int", "source": "user", "sourceid": "id", "onUpdate": "sometimes"}}}, "user": {"fields": {}}}"#,
            "invalid_referential_action"
        ),
        (
            "junction name too long",
            #"{"a_rather_long_owner_model": {"fields": {"a_rather_long_field_name": {"type": "int", "multi": true, "source": "tag", "sourceid": "id"}}}, "tag": {"fields": {}}}"#,
            "junction_name_too_long"
        ),
        (
            "string multi with source",
            #"{"post": {"fields": {"tags": {"type": "string", "multi": true, "source": "tag"}}}, "tag": {"fields": {}}}"#,
            "multi_string_with_source"
        ),
        (
            "string multi with sourceid",
            #"{"post": {"fields": {"tags": {"type": "string", "multi": true, "sourceid": "id"}}}}"#,
            "multi_string_with_source"
        ),
        (
            "string multi with source and sourceid",
            #"{"post": {"fields": {"tags": {"type": "string", "multi": true, "source": "tag", "sourceid": "id"}}}, "tag": {"fields": {}}}"#,
            "multi_string_with_source"
        ),
        // Virtual fields may not even mention the column properties (EngineJS checks `!== undefined`).
        (
            "virtual with source", #"{"post": {"fields": {"v": {"type": "int", "save": false, "source": "post"}}}}"#,
            "virtual_field_property"
        ),
        (
            "virtual with columnName",
            #"{"post": {"fields": {"v": {"type": "int", "save": false, "columnName": "x"}}}}"#, "virtual_field_property"
        ),
        (
            "virtual unique", #"{"post": {"fields": {"v": {"type": "int", "save": false, "unique": true}}}}"#,
            "virtual_field_property"
        ),
        (
            "virtual unique false", #"{"post": {"fields": {"v": {"type": "int", "save": false, "unique": false}}}}"#,
            "virtual_field_property"
        ),
        (
            "virtual primary", #"{"post": {"fields": {"v": {"type": "int", "save": false, "primary": true}}}}"#,
            "virtual_field_property"
        ),
        (
            "virtual primary false", #"{"post": {"fields": {"v": {"type": "int", "save": false, "primary": false}}}}"#,
            "virtual_field_property"
        ),
        (
            "virtual with sourceid", #"{"post": {"fields": {"v": {"type": "int", "save": false, "sourceid": "id"}}}}"#,
            "virtual_field_property"
        ),
        (
            "virtual multi", #"{"post": {"fields": {"v": {"type": "int", "save": false, "multi": true}}}}"#,
            "virtual_field_property"
        ),
        (
            "virtual multi false", #"{"post": {"fields": {"v": {"type": "int", "save": false, "multi": false}}}}"#,
            "virtual_field_property"
        ),
        (
            "virtual autoIncrement",
            #"{"post": {"fields": {"v": {"type": "int", "save": false, "autoIncrement": true}}}}"#,
            "virtual_field_property"
        ),
        (
            "virtual canfind", #"{"post": {"fields": {"v": {"type": "int", "save": false, "canfind": true}}}}"#,
            "virtual_field_property"
        ),
        (
            "virtual canfind false", #"{"post": {"fields": {"v": {"type": "int", "save": false, "canfind": false}}}}"#,
            "virtual_field_property"
        ),
        (
            "virtual in index",
            #"{"post": {"fields": {"v": {"type": "int", "save": false}}, "indexes": {"many": [["v"]]}}}"#,
            "index_on_virtual_field"
        ),
        (
            "virtual in auto_name",
            #"{"post": {"fields": {"v": {"type": "string", "save": false}}, "auto_name": ["v"]}}"#,
            "auto_name_on_virtual_field"
        ),
        (
            "auto_name unknown field", #"{"post": {"fields": {"a": {"type": "string"}}, "auto_name": ["b"]}}"#,
            "unknown_auto_name_field"
        ),
        (
            "index unknown field", #"{"post": {"fields": {"a": {"type": "string"}}, "indexes": {"unique": [["b"]]}}}"#,
            "unknown_index_field"
        ),
        (
            "index empty list", #"{"post": {"fields": {"a": {"type": "string"}}, "indexes": {"unique": [[]]}}}"#,
            "empty_index"
        ),
        ("length negative", #"{"post": {"fields": {"a": {"type": "string", "length": -5}}}}"#, "invalid_length"),
        ("length fractional", #"{"post": {"fields": {"a": {"type": "string", "max": 1.5}}}}"#, "invalid_length"),
        (
            "length over varchar's limit", #"{"post": {"fields": {"a": {"type": "string", "size": 10485761}}}}"#,
            "invalid_length"
        ),
        ("default word on int", #"{"post": {"fields": {"n": {"type": "int", "default": "five"}}}}"#, "invalid_default"),
        (
            "default object on string", #"{"post": {"fields": {"s": {"type": "string", "default": {"a": 1}}}}}"#,
            "invalid_default"
        ),
        (
            "default too long in code points",
            #"{"post": {"fields": {"s": {"type": "string", "length": 1, "default": "e\u0301"}}}}"#, "invalid_default"
        ),
        (
            "default infinite float", #"{"post": {"fields": {"f": {"type": "float", "default": 1e400}}}}"#,
            "invalid_default"
        ),
        (
            "default on autoIncrement",
            #"{"post": {"fields": {"id": {"type": "bigint", "primary": true, "autoIncrement": true, "default": 1}}}}"#,
            "invalid_default"
        ),
        (
            "default timestamp without offset",
            #"{"post": {"fields": {"d": {"type": "datetime", "default": "2024-01-01T00:00:00"}}}}"#, "invalid_default"
        ),
        (
            "default timestamp not a date",
            #"{"post": {"fields": {"d": {"type": "datetime", "default": "2024-02-30T00:00:00Z"}}}}"#, "invalid_default"
        ),
        (
            "default too long", #"{"post": {"fields": {"s": {"type": "string", "length": 2, "default": "abc"}}}}"#,
            "invalid_default"
        ),
        (
            "default number on boolean", #"{"post": {"fields": {"b": {"type": "boolean", "default": 1}}}}"#,
            "invalid_default"
        ),
        (
            "default out of integer range", #"{"post": {"fields": {"n": {"type": "int", "default": 3000000000}}}}"#,
            "invalid_default"
        ),
        ("default not a uuid", #"{"post": {"fields": {"u": {"type": "uuid", "default": "nope"}}}}"#, "invalid_default"),
        (
            "default date not now", #"{"post": {"fields": {"d": {"type": "date", "default": "yesterday"}}}}"#,
            "invalid_default"
        ),
        (
            "default fraction on int", #"{"post": {"fields": {"n": {"type": "int", "default": 1.5}}}}"#,
            "invalid_default"
        ),
    ]

    @Test(arguments: cases)
    func reportsError(name: String, text: String, code: String) {
        let result = compileFragment(text)
        #expect(!result.isValid, "\(name)")
        #expect(result.compiled == nil)
        #expect(result.errors.contains { $0.code == code }, "\(name): \(result.errors.map(\.code))")
        for error in result.errors {
            #expect(error.file == "dsl/models/app.json")
            #expect(error.line != nil && error.column != nil && error.pointer != nil)
            #expect(!error.message.isEmpty)
        }
    }

    /// What EngineJS does silently: a warning (the DSL compiles), an error under `strict`.
    static let warningCases: [(String, String, String, Bool)] = [
        ("unknown type", #"{"post": {"fields": {"a": {"type": "strng"}}}}"#, "unknown_type", true),
        ("missing type", #"{"post": {"fields": {"a": {"length": 5}}}}"#, "missing_type", true),
        ("type in upper case", #"{"post": {"fields": {"a": {"type": "String"}}}}"#, "type_case", true),
        ("type in mixed case", #"{"post": {"fields": {"a": {"type": "BigInt"}}}}"#, "type_case", true),
        ("embed", #"{"post": {"fields": {"e": {"type": "embed"}}}}"#, "embed_column", true),
        (
            "multi int without source", #"{"post": {"fields": {"n": {"type": "int", "multi": true}}}}"#,
            "multi_ignored", true
        ),
        (
            "multi int without sourceid",
            #"{"post": {"fields": {"tags": {"type": "int", "multi": true, "source": "tag"}}}, "tag": {"fields": {}}}"#,
            "multi_ignored", true
        ),
        (
            "multi boolean with source",
            #"{"post": {"fields": {"tags": {"type": "boolean", "multi": true, "source": "tag"}}}, "tag": {"fields": {}}}"#,
            "multi_ignored", true
        ),
        ("multi text", #"{"post": {"fields": {"t": {"type": "text", "multi": true}}}}"#, "multi_ignored", true),
        (
            "multi string with length",
            #"{"post": {"fields": {"s": {"type": "string", "multi": true, "length": 50}}}}"#,
            "multi_string_ignored_property", true
        ),
        (
            "multi string with columnName",
            #"{"post": {"fields": {"s": {"type": "string", "multi": true, "columnName": "x"}}}}"#,
            "multi_string_ignored_property", true
        ),
        (
            "multi string with unique",
            #"{"post": {"fields": {"s": {"type": "string", "multi": true, "unique": true}}}}"#,
            "multi_string_ignored_property", true
        ),
        (
            "multi string with primary",
            #"{"post": {"fields": {"s": {"type": "string", "multi": true, "primary": true}}}}"#,
            "multi_string_ignored_property", true
        ),
        (
            "multi string with default",
            #"{"post": {"fields": {"s": {"type": "string", "multi": true, "default": ["a"]}}}}"#,
            "multi_string_ignored_property", true
        ),
        (
            "scalar unique", #"{"post": {"fields": {"s": {"type": "string", "unique": true}}}}"#,
            "scalar_unique_ignored", true
        ),
        (
            "autoIncrement on a string", #"{"post": {"fields": {"s": {"type": "string", "autoIncrement": true}}}}"#,
            "auto_increment_ignored", true
        ),
        (
            "relation without sourceid",
            #"{"post": {"fields": {"owner": {"type": "int", "source": "user"}}}, "user": {"fields": {}}}"#,
            "relation_without_sourceid", true
        ),
        (
            "relation to missing model",
            #"{"post": {"fields": {"owner": {"type": "int", "source": "usr", "sourceid": "id"}}}, "user": {"fields": {}}}"#,
            "unknown_source_model", true
        ),
        (
            "junction to missing model",
            #"{"post": {"fields": {"tags": {"type": "int", "multi": true, "source": "tagz", "sourceid": "id"}}}}"#,
            "unknown_source_model", true
        ),
        (
            "relation to missing field",
            #"{"post": {"fields": {"owner": {"type": "int", "source": "user", "sourceid": "uid"}}}, "user": {"fields": {}}}"#,
            "unknown_source_field", true
        ),
        (
            "relation to virtual field",
            #"{"post": {"fields": {"owner": {"type": "int", "source": "user", "sourceid": "v"}}}, "user": {"fields": {"v": {"type": "int", "save": false}}}}"#,
            "unknown_source_field", true
        ),
        (
            "second relation with one alias",
            #"{"post": {"fields": {"a": {"type": "int", "source": "user", "sourceid": "id"}, "b": {"type": "int", "source": "user", "sourceid": "id"}}}, "user": {"fields": {}}}"#,
            "duplicate_relation_alias", true
        ),
        (
            "second relation with an explicit alias clash",
            #"{"post": {"fields": {"a": {"type": "int", "source": "user", "sourceid": "id", "as": "x"}, "b": {"type": "int", "source": "tag", "sourceid": "id", "as": "x"}}}, "user": {"fields": {}}, "tag": {"fields": {}}}"#,
            "duplicate_relation_alias", true
        ),
        (
            "two models one table", #"{"post": {"fields": {}}, "article": {"table": "post", "fields": {}}}"#,
            "shared_table", true
        ),
        (
            "sql injection field key", #"{"post": {"fields": {"a\"; DROP TABLE x; --": {"type": "string"}}}}"#,
            "invalid_identifier", true
        ),
        (
            "sql injection column name", #"{"post": {"fields": {"a": {"type": "string", "columnName": "a b"}}}}"#,
            "invalid_identifier", true
        ),
        (
            "sql injection table", #"{"post": {"table": "x'y", "fields": {"a": {"type": "string"}}}}"#,
            "invalid_identifier", true
        ),
        (
            "field key starting with a digit", #"{"post": {"fields": {"1a": {"type": "string"}}}}"#,
            "invalid_identifier", true
        ),
        (
            "sql injection junction field key",
            #"{"post": {"fields": {"t; DROP TABLE x; --": {"type": "int", "multi": true, "source": "tag", "sourceid": "id"}}}, "tag": {"fields": {}}}"#,
            "invalid_identifier", true
        ),
        (
            "junction field key with a quote",
            #"{"post": {"fields": {"t\"x": {"type": "int", "multi": true, "source": "tag", "sourceid": "id"}}}, "tag": {"fields": {}}}"#,
            "invalid_identifier", true
        ),
        (
            "duplicate key", #"{"post": {"fields": {"a": {"type": "string"}, "a": {"type": "text"}}}}"#,
            "duplicate_key", true
        ),
        (
            "duplicate model key", #"{"post": {"fields": {}}, "post": {"fields": {"a": {"type": "text"}}}}"#,
            "duplicate_key", true
        ),
        (
            "unknown index kind", #"{"post": {"fields": {"a": {"type": "string"}}, "indexes": {"fulltext": [["a"]]}}}"#,
            "unknown_index_kind", true
        ),
        (
            "index name collision",
            #"{"a_b": {"fields": {"c": {"type": "string"}}, "indexes": {"unique": [["c"]]}}, "a": {"fields": {"b_c": {"type": "string"}}, "indexes": {"unique": [["b_c"]]}}}"#,
            "duplicate_index_name", true
        ),
        (
            "lower index", #"{"post": {"fields": {"a": {"type": "string"}}, "indexes": {"lower": [["a"]]}}}"#,
            "lower_index_ignored", false
        ),
        (
            "unique on a junction field",
            #"{"post": {"fields": {"tags": {"type": "int", "multi": true, "source": "tag", "sourceid": "id", "unique": true}}}, "tag": {"fields": {}}}"#,
            "scalar_unique_ignored", true
        ),
    ]

    @Test(arguments: warningCases)
    func warnsAndStrictRefuses(name: String, text: String, code: String, strictError: Bool) throws {
        let result = compileFragment(text)
        #expect(result.errors.isEmpty, "\(name): \(result.errors.map(\.code))")
        #expect(result.compiled != nil, "\(name)")
        let warning = try #require(result.warnings.first { $0.code == code }, "\(name): \(result.warnings.map(\.code))")
        #expect(
            warning.file == "dsl/models/app.json" && warning.line != nil && warning.pointer != nil
                && !warning.message.isEmpty)

        let strict = compileFragment(text, options: DSLCompilerOptions(strict: true))
        if strictError {
            #expect(strict.compiled == nil, "\(name)")
            #expect(strict.errors.contains { $0.code == code }, "\(name): \(strict.errors.map(\.code))")
            #expect(!strict.warnings.contains { $0.code == code })
        } else {
            // Not a surprise EngineJS hides: it stays a warning even under strict.
            #expect(strict.warnings.contains { $0.code == code }, "\(name)")
        }
    }

    @Test func unknownTypeSuggestsAndLocates() throws {
        let result = compileFragment("{\"post\": {\"fields\": {\n  \"title\": {\"type\": \"strng\"}}}}")
        let warning = try #require(result.warnings.first { $0.code == "unknown_type" })
        #expect(warning.pointer == "/post/fields/title/type")
        #expect(warning.line == 2 && warning.column == 21)
        #expect(warning.message.contains("did you mean 'string'?"))
        // EngineJS maps it to varchar(L).
        #expect(result.compiled?.schema.table(named: "post")?.column(named: "title")?.type == .varchar(length: 255))
        let strict = compileFragment(
            "{\"post\": {\"fields\": {\n  \"title\": {\"type\": \"strng\"}}}}",
            options: DSLCompilerOptions(strict: true))
        let error = try #require(strict.errors.first)
        #expect(error.code == "unknown_type" && error.line == 2 && error.column == 21)
    }

    @Test func allErrorsAreReported() {
        let result = compileFragment(
            #"{"post": {"fields": {"a": {"type": "int", "default": "y"}, "b": {"type": "uuid", "default": "z"}, "c": {"type": "int", "default": "x"}}}}"#
        )
        #expect(result.errors.map(\.code) == ["invalid_default", "invalid_default", "invalid_default"])
        // Every schema error is reported at once, across models.
        let schema = compileFragment(
            #"{"post": {"fields": {"a": {"type": 1}, "b": {"length": "x"}}}, "user": {"table": 2, "fields": {}}}"#)
        #expect(schema.errors.map(\.code) == ["schema_invalid", "schema_invalid", "schema_invalid"])
        #expect(schema.errors.map(\.pointer) == ["/post/fields/a/type", "/post/fields/b/length", "/user/table"])
    }

    /// EngineJS stops at its DSL schema check: later problems are not reported until it passes.
    @Test func aSchemaErrorStopsTheCompile() {
        let result = compileFragment(
            #"{"post": {"fields": {"a": {"type": "int", "default": "x"}, "b": {"type": "string", "unique": "yes"}, "c": {"type": "strng"}}}}"#
        )
        #expect(result.errors.map(\.code) == ["schema_invalid"])
        #expect(result.errors.first?.pointer == "/post/fields/b/unique")
        #expect(!result.warnings.contains { $0.code == "unknown_type" })
        #expect(result.compiled == nil)
        // Virtual-field rules belong to that stage too.
        let virtual = compileFragment(
            #"{"post": {"fields": {"v": {"save": false, "unique": false}, "n": {"type": "int", "default": "x"}}}}"#)
        #expect(virtual.errors.map(\.code) == ["virtual_field_property"])
        #expect(virtual.errors.first?.pointer == "/post/fields/v/unique")
    }

    @Test func anInvalidFieldIsReportedOnceNotAgainByItsUsers() {
        let result = compileFragment(
            #"""
            {"post": {"fields": {"t": {"type": "int", "default": "x"}, "o": {"type": "int", "source": "user", "sourceid": "k"}},
              "indexes": {"many": [["t"]]}, "auto_name": ["t"]},
             "user": {"fields": {"k": {"type": "string", "length": -1, "primary": true}}}}
            """#)
        #expect(result.errors.map(\.code) == ["invalid_default", "invalid_length"])
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let result = compileFragment(text)
        #expect(result.errors.map(\.code) == ["nesting_too_deep"])
    }

    @Test func invalidUTF8IsAnError() {
        var bytes = Array(#"{"post": {"fields": {"a": {"type": "string", "x": ""#.utf8)
        bytes += [0xFF, 0xFE]
        bytes += Array(#""}}}}"#.utf8)
        let result = DSLCompiler().compile(files: [
            standardSnapshotModel, DSLInputFile(path: "dsl/models/app.json", bytes: bytes),
        ])
        #expect(result.errors.map(\.code) == ["invalid_utf8"])
    }
}
