"""SQL that writes values as JSON text exactly as the API's models write them."""


def iso_utc(at: str) -> str:
    """SQL: timestamptz `at` as the API writes times (UTC, `Z`, microseconds only if any).

    Whole seconds (most reading times) take the timestamp's own text, which is ISO with
    DateStyle ISO (the pool sets it; psycopg2 needs it too), with a `T`: to_char costs about
    twice as much.
    """
    return (
        f"CASE WHEN date_trunc('second', {at}) = {at} "
        f"THEN replace(({at} AT TIME ZONE 'UTC')::text, ' ', 'T') "
        f"ELSE to_char({at} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') END || 'Z'"
    )


def point_json_sql(first: str, last: str, count: str, low: str, high: str, mean: str) -> str:
    """SQL: one series point as the API writes it, from SQL expressions of its six values.

    Written by concatenation, not json_build_object, which looks up each argument's type and
    output function again on every row: for a 500-point series that was most of the query's
    time. The numbers are the same text either way (float8out, as in json_build_object,
    shortest with extra_float_digits 1, which the pool sets), and the values are never null
    (rollup and reading columns are NOT NULL) nor infinite or NaN (readings are checked finite
    when they arrive). The rollups store each coarse cell's point written by this.
    """
    return (
        f'\'{{"first_time":"\' || {iso_utc(first)} || \'","last_time":"\' || {iso_utc(last)} '
        f'|| \'","count":\' || {count} || \',"min":\' || {low} '
        f"|| ',\"max\":' || {high} || ',\"mean\":' || {mean} || '}}'"
    )
