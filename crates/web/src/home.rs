//! The home page: what this server is and where to go. (The citizens' portal and the officials'
//! workspace will grow from here.)

use axum::response::Html;

pub async fn page() -> Html<&'static str> {
    Html(HOME)
}

const HOME: &str = r#"<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Một cửa điện tử / motcua</title>
<style>
  body { font-family: system-ui, "Noto Sans", "DejaVu Sans", sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #0b0c0c; }
  h1 { font-size: 2rem; margin-bottom: .25rem; }
  .en { color: #505a5f; }
  code { background: #f3f2f1; padding: .1rem .3rem; }
  a { color: #1d70b8; }
  a:focus { outline: 3px solid #ffdd00; background: #ffdd00; color: #0b0c0c; }
  li { margin: .3rem 0; }
</style>
</head>
<body>
<main>
<h1>Một cửa điện tử</h1>
<p class="en">motcua: the electronic one-stop shop of local government</p>
<p>Tiếp nhận, giải quyết và trả kết quả thủ tục hành chính; mọi thao tác được ghi vào nhật ký không thể sửa, ai cũng kiểm chứng được.
<span class="en">Receive, process and return administrative procedures; every official act is on an append-only, verifiable log.</span></p>
<h2>Giao diện lập trình / API</h2>
<ul>
  <li><a href="/api/v1/openapi.json">Tài liệu OpenAPI</a> <span class="en">(OpenAPI document)</span></li>
  <li><a href="/api/v1/procedures">Thủ tục hành chính</a> <span class="en">(procedures)</span></li>
  <li><a href="/api/v1/units">Đơn vị</a> <span class="en">(units)</span></li>
  <li><a href="/api/v1/calendar/days?from=2026-01-01&amp;to=2026-02-28">Ngày làm việc, ngày nghỉ</a> <span class="en">(working days and days off)</span></li>
  <li><a href="/api/v1/calendar/due?received=2026-02-13T09:00&amp;days=5">Tính hạn giải quyết</a> <span class="en">(due time of 5 working days across Tết)</span></li>
  <li><a href="/api/v1/health">Tình trạng máy chủ</a> <span class="en">(health)</span></li>
</ul>
<h2>Tra cứu hồ sơ / Look up a dossier</h2>
<form method="get" action="/api/v1/public/lookup">
  <p><label for="code">Mã hồ sơ <span class="en">(dossier code)</span></label><br><input id="code" name="code" size="32" required></p>
  <p><label for="phone">4 số cuối điện thoại <span class="en">(last 4 digits of the phone)</span></label><br><input id="phone" name="phone_last4" size="4" inputmode="numeric" pattern="[0-9]{4}" required></p>
  <p><button type="submit">Tra cứu / Look up</button></p>
</form>
</main>
</body>
</html>
"#;
