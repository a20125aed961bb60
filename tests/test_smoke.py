def test_members_query_returns_inserted_rows(api, insert_members):
    insert_members([{"id": 1, "gender": "woman"}, {"id": 2, "community_id": 236}, {"id": 3, "community_id": 240}])
    status, body, response = api.query({"report": "members"})
    assert status == 200, body
    assert [r["id"] for r in body["records"]] == [1, 2]
    assert body["records"][0]["created_at"] == "2024-01-01T00:00:00.000000Z"
    assert response["ratelimit-cost"] == "10"
