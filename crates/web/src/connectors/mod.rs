//! What outside systems send in. The national portal (DVCQG) delivers the dossiers citizens
//! submitted there: each becomes an online submission waiting for the desk's reception, once per
//! portal code (`MaHoSo`), behind a bearer secret (`[dvcqg] inbound_token`).

mod api;

use crate::http::op::Op;

pub fn api() -> Vec<Op> {
    vec![
        Op::post("/connectors/dvcqg/dossiers", "dvcqgIntake", api::dvcqg_intake)
            .tag("connectors")
            .doc(
                "Hồ sơ nộp trên Cổng DVCQG / dossiers submitted on the national portal",
                "For the national portal only (`Authorization: Bearer` the configured `inbound_token`). The portal's field names (`madonvi`, `data[]` with `MaHoSo`, `MaTTHC`, `ChuHoSo`, `LoaiDoiTuong`, `MaDoiTuong`, `SoDienThoai`, `Email`, `DiaChi`, `TaiLieuNop[].TenTepDinhKem`). Each dossier becomes an online submission waiting for reception; a `MaHoSo` seen before answers the dossier made the first time (`created` false).",
            )
            .header("authorization", "Bearer <inbound_token>")
            .body::<api::Intake>()
            .ok::<api::IntakeAnswer>(200, "Every dossier of the request, made now or before")
            .problems(&[401, 404, 422]),
    ]
}
