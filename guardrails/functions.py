"""Which functions a query may call.

Typed sqlglot functions are built-ins and allowed unless denied by class. A function sqlglot does
not know (``exp.Anonymous``) is allowed only when its name is a known built-in of MySQL, DuckDB or
SQLite: anything else may be a server-side UDF (``sys_exec``), so it is refused as unknown.
"""

from __future__ import annotations

from sqlglot import exp

# name -> why it is refused (a clause that completes "Ask Lucky does not run NAME: it ...").
_WHY = {
    "wait": "makes the database wait on purpose, the trick behind time-based attacks",
    "file": "reads files or network locations outside the catalog",
    "lock": "takes or waits for locks on the database server",
    "os": "runs operating-system commands on the server",
    "server": "reveals details of the server or session rather than business data",
    "error": "is a classic way to leak data through error messages",
    "dynamic": "runs SQL text the guard cannot check",
    "write": "changes data or server state",
}

DENIED: dict[str, str] = {}
for _names, _kind in [
    ("sleep benchmark pg_sleep pg_sleep_for pg_sleep_until waitfor", "wait"),
    ("master_pos_wait source_pos_wait master_gtid_wait wait_for_executed_gtid_set "
     "wait_until_sql_thread_after_gtids", "wait"),
    ("load_file read_csv read_csv_auto read_parquet parquet_scan read_json read_json_auto read_json_objects "
     "read_json_objects_auto read_ndjson read_ndjson_auto read_ndjson_objects read_text read_blob glob "
     "sniff_csv parquet_metadata parquet_schema parquet_file_metadata parquet_kv_metadata parquet_bloom_probe "
     "iceberg_scan iceberg_metadata iceberg_snapshots delta_scan sqlite_scan sqlite_attach postgres_scan "
     "postgres_scan_pushdown postgres_attach mysql_scan mysql_attach read_xlsx st_read st_read_meta "
     "read_ipc arrow_scan httpfs http_get http_post load_aws_credentials csv_scan read_csv_to_table "
     "pg_read_file pg_read_binary_file pg_ls_dir lo_import lo_export from_csv", "file"),
    ("get_lock release_lock release_all_locks is_free_lock is_used_lock", "lock"),
    ("sys_exec sys_eval sys_get sys_set sys_bineval lib_mysqludf_sys_info xp_cmdshell system shell", "os"),
    ("database schema user current_user session_user system_user version connection_id current_role "
     "last_insert_id row_count found_rows getenv current_setting current_database current_schema "
     "current_schemas current_catalog sqlite_version sqlite_source_id changes total_changes "
     "last_insert_rowid duckdb_settings duckdb_extensions duckdb_tables duckdb_columns duckdb_databases "
     "duckdb_schemas duckdb_views duckdb_functions duckdb_secrets duckdb_memory duckdb_temporary_files "
     "duckdb_dependencies duckdb_constraints duckdb_indexes duckdb_sequences duckdb_types duckdb_keywords "
     "pragma_version pragma_database_list pragma_table_info pragma_storage_info pragma_show "
     "pragma_database_size pragma_platform pragma_metadata_info pragma_user_agent which_secret "
     "ps_current_thread_id ps_thread_id icu_version roles_graphml statement_digest statement_digest_text "
     "getvariable current_query pg_backend_pid inet_server_addr inet_client_addr uuid_short "
     "gtid_subset gtid_subtract password old_password encrypt des_encrypt des_decrypt "
     "enable_profiling", "server"),
    ("extractvalue updatexml name_const exp_overflow geometrycollection polygon multipoint "
     "multilinestring multipolygon linestring", "error"),
    ("query query_table json_execute_serialized_sql json_serialize_sql json_deserialize_sql "
     "prepare execute eval", "dynamic"),
    ("setseed nextval currval setval set_variable checkpoint force_checkpoint install load attach detach "
     "copy export_database import_database nextval", "write"),
]:
    for _n in _names.split():
        DENIED[_n] = _kind

DENIED_PREFIXES: dict[str, str] = {
    "read_": "file", "duckdb_": "server", "pragma_": "server", "parquet_": "file", "iceberg_": "file",
    "delta_": "file", "sqlite_": "server", "postgres_": "file", "mysql_": "file", "sys_": "os",
    "lib_mysqludf": "os", "pg_": "server", "st_read": "file", "ducklake_": "file",
}

# Typed sqlglot classes that are server/session probes or file readers in some dialect.
DENIED_CLASSES: dict[type[exp.Expr], str] = {}
for _cls_name, _kind in [
    ("CurrentUser", "server"), ("SessionUser", "server"), ("CurrentSchema", "server"),
    ("CurrentDatabase", "server"), ("CurrentCatalog", "server"), ("CurrentRole", "server"),
    ("CurrentRoleType", "server"), ("CurrentAvailableRoles", "server"), ("CurrentSecondaryRoles", "server"),
    ("CurrentVersion", "server"), ("CurrentAccount", "server"), ("CurrentAccountName", "server"),
    ("CurrentClient", "server"), ("CurrentIpAddress", "server"), ("CurrentOrganizationName", "server"),
    ("CurrentOrganizationUser", "server"), ("CurrentRegion", "server"), ("CurrentSession", "server"),
    ("CurrentStatement", "server"), ("CurrentTransaction", "server"), ("CurrentUserId", "server"),
    ("CurrentWarehouse", "server"), ("CurrentSchemas", "server"), ("ReadCSV", "file"),
    ("ReadParquet", "file"), ("ToFile", "file"), ("AIGenerate", "dynamic"), ("GenerateEmbedding", "dynamic"),
    ("GenerateText", "dynamic"), ("GenerateTable", "dynamic"),
]:
    _cls = getattr(exp, _cls_name, None)
    if isinstance(_cls, type):
        DENIED_CLASSES[_cls] = _kind

# Built-ins of MySQL 8 / MariaDB, DuckDB and SQLite that sqlglot leaves as Anonymous.
KNOWN_BUILTINS: frozenset[str] = frozenset([
    "adddate", "addtime", "aes_decrypt", "aes_encrypt", "any_value", "ascii", "bin", "bin_to_uuid", "bit_count",
    "bit_length", "charset", "coercibility", "collation", "compress", "conv", "crc32", "elt", "export_set",
    "field", "find_in_set", "format_bytes", "format_pico_time", "from_days", "inet_aton", "inet_ntoa",
    "inet6_aton", "inet6_ntoa", "is_ipv4", "is_ipv6", "is_uuid", "json_array", "json_arrayagg", "json_contains",
    "json_contains_path", "json_depth", "json_insert", "json_keys", "json_length", "json_merge_patch",
    "json_merge_preserve", "json_object", "json_objectagg", "json_overlaps", "json_pretty", "json_quote",
    "json_remove", "json_replace", "json_search", "json_set", "json_storage_size", "json_type", "json_unquote",
    "json_valid", "json_value", "makedate", "make_set", "microsecond", "mid", "now", "oct", "octet_length", "ord",
    "period_add", "period_diff", "quote", "sec_to_time", "strcmp", "subdate", "subtime", "sysdate", "timediff",
    "time_format", "time_to_sec", "to_seconds", "unix_timestamp", "uuid_to_bin", "weekday", "yearweek",
    "localtime", "localtimestamp", "utc_date", "utc_time", "utc_timestamp", "curtime", "current_time", "dayname",
    "monthname", "weekofyear", "to_days", "last_day", "lcase", "ucase", "soundex", "space", "uncompress",
    "uncompressed_length", "weight_string", "regexp_instr", "regexp_like", "regexp_replace", "regexp_substr",
    "format", "lpad", "rpad", "insert", "locate", "position", "instr", "date_part", "list_aggregate", "hash",
    "printf", "round_even", "julianday", "unixepoch", "total", "quote", "randomblob", "zeroblob", "likelihood",
    "unlikely", "age", "isoyear", "isodow", "yearweek", "time_bucket", "to_timestamp", "strptime", "epoch",
    "epoch_ms", "epoch_us", "make_date", "make_time", "make_timestamp", "list_value", "regexp_matches",
    "regexp_extract", "jaro_winkler_similarity", "jaro_similarity", "levenshtein", "damerau_levenshtein",
    "hamming", "sha256", "sha1", "md5", "date", "time", "datetime", "strftime", "iif", "ifnull", "nullif",
    "typeof", "char", "hex", "unhex", "list_sum", "list_avg", "list_min", "list_max", "list_count",
    "list_distinct", "list_sort", "list_reverse", "list_contains", "list_position", "array_length", "array_agg",
    "string_split", "str_split", "string_agg", "group_concat", "median", "mode", "quantile", "quantile_cont",
    "quantile_disc", "approx_count_distinct", "approx_quantile", "arg_max", "arg_min", "argmax", "argmin",
    "max_by", "min_by", "bool_and", "bool_or", "bit_and", "bit_or", "bit_xor", "stddev", "stddev_pop",
    "stddev_samp", "variance", "var_pop", "var_samp", "covar_pop", "covar_samp", "corr", "regr_slope",
    "regr_intercept", "regr_r2", "kurtosis", "skewness", "entropy", "product", "fsum", "sumkahan", "favg",
    "histogram", "first", "last", "any_value", "count_if", "countif", "sum_no_overflow", "ceil", "ceiling",
    "floor", "round", "trunc", "truncate", "abs", "sign", "sqrt", "cbrt", "exp", "ln", "log", "log2", "log10",
    "pow", "power", "pi", "radians", "degrees", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "cot", "mod",
    "greatest", "least", "gcd", "lcm", "factorial", "even", "isnan", "isinf", "isfinite", "nextafter",
    "bit_position", "century", "decade", "millennium", "millisecond", "milliseconds", "microseconds", "second",
    "minute", "hour", "day", "dayofmonth", "dayofweek", "dayofyear", "week", "yearweek", "month", "quarter",
    "year", "era", "epoch_ns", "timezone", "timezone_hour", "timezone_minute", "date_add", "date_sub", "date_diff",
    "datediff", "date_trunc", "datetrunc", "date_format", "str_to_date", "from_unixtime", "convert_tz", "last_day",
    "strlen", "length", "char_length", "character_length", "lower", "upper", "trim", "ltrim", "rtrim", "left",
    "right", "substr", "substring", "substring_index", "replace", "reverse", "repeat", "concat", "concat_ws",
    "contains", "starts_with", "ends_with", "prefix", "suffix", "split_part", "ascii", "chr", "unicode", "ord",
    "editdist3", "nullif", "coalesce", "ifnull", "isnull", "nvl", "if", "case", "cast", "try_cast", "row_number",
    "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead", "first_value", "last_value",
    "nth_value", "grouping", "grouping_id", "to_char", "to_date", "to_number", "translate", "initcap", "btrim",
    "format_type", "array_to_string", "generate_series", "range", "unnest", "struct_pack", "struct_extract", "map",
    "map_extract", "element_at", "cardinality",
])


def function_name(node: exp.Func) -> str:
    """The function's name as written (Anonymous) or as sqlglot names it."""
    if isinstance(node, exp.Anonymous):
        return str(node.name)
    return node.sql_name()


def denial(node: exp.Func) -> str | None:
    """The reason kind when ``node`` is a denied function, else None."""
    cls_kind = DENIED_CLASSES.get(type(node))
    if cls_kind:
        return cls_kind
    name = function_name(node).lower()
    if name in DENIED:
        return DENIED[name]
    if isinstance(node, exp.Anonymous):
        for prefix, kind in DENIED_PREFIXES.items():
            if name.startswith(prefix):
                return kind
    return None


def why(kind: str) -> str:
    return _WHY[kind]


def is_known(node: exp.Func) -> bool:
    """Typed functions are built-ins; an Anonymous one must be on the built-in list."""
    if not isinstance(node, exp.Anonymous):
        return True
    return str(node.name).lower() in KNOWN_BUILTINS
