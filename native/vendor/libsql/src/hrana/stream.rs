use crate::hrana::cursor::{Cursor, CursorReq};
use crate::hrana::session::{self, Session};
use crate::hrana::proto::{
    Batch, BatchCond, BatchCondList, BatchResult, BatchStep, DescribeResult, Stmt, StmtResult,
};
use crate::hrana::{CursorResponseError, HranaError, HttpSend, Result};
use bytes::{Bytes, BytesMut};
use futures::Stream;
use libsql_hrana::proto::{
    BatchStreamReq, CloseSqlStreamReq, CloseStreamReq, CloseStreamResp, DescribeStreamReq,
    GetAutocommitStreamReq, PipelineReqBody, PipelineRespBody, SequenceStreamReq,
    StoreSqlStreamReq, StreamRequest, StreamResponse, StreamResult,
};
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::Mutex;

macro_rules! unexpected {
    ($value:ident) => {
        return Err(HranaError::UnexpectedResponse(format!(
            "Unexpected response from server: {:?}",
            $value
        )))
    };
}

pub type SqlId = i32;

/// A representation of Hrana HTTP stream. Since streams rely on sequential execution of requests,
/// it's realized internally as a mutex lock.
#[derive(Debug)]
pub struct HranaStream<T>
where
    T: HttpSend,
{
    pub inner: Arc<Inner<T>>,
}

impl<T> Clone for HranaStream<T>
where
    T: HttpSend,
{
    fn clone(&self) -> Self {
        HranaStream {
            inner: self.inner.clone(),
        }
    }
}

impl<T> HranaStream<T>
where
    T: HttpSend,
{
    pub(super) fn open(
        client: T,
        pipeline_url: Arc<str>,
        cursor_url: Arc<str>,
        auth_token: Arc<str>,
    ) -> Self {
        tracing::trace!("opening stream");
        HranaStream {
            inner: Arc::new(Inner {
                affected_row_count: AtomicU64::new(0),
                total_changes: AtomicU64::new(0),
                last_insert_rowid: AtomicI64::new(0),
                is_autocommit: AtomicBool::new(true),
                deferred: std::sync::Mutex::new(Deferred::default()),
                pinned: AtomicBool::new(false),
                session: std::sync::Mutex::new(Session::default()),
                stream: Mutex::new(RawStream {
                    client,
                    pipeline_url,
                    cursor_url,
                    auth_token,
                    sql_id_generator: RefCell::new(0),
                    baton: RefCell::new(None),
                }),
            }),
        }
    }

    /// Executes a final request and immediately closes current stream - all in one request
    /// Returns true if request was finalized correctly, false if stream was already closed.
    pub(super) async fn finalize(&mut self, req: StreamRequest) -> Result<bool> {
        let mut client = self.inner.stream.lock().await;
        if client.baton.borrow().is_none() {
            tracing::trace!("baton not found - skipping finalize for {:?}", req);
            return Ok(false);
        }
        let (resp, is_autocommit) = client.finalize(req).await?;
        self.inner
            .is_autocommit
            .store(is_autocommit, Ordering::SeqCst);
        let (affected_row_count, last_insert_rowid) = if let StreamResponse::Execute(resp) = resp {
            (
                resp.result.affected_row_count,
                resp.result.last_insert_rowid.unwrap_or(0),
            )
        } else {
            (0, 0)
        };

        self.inner
            .total_changes
            .fetch_add(affected_row_count, Ordering::SeqCst);
        self.inner
            .affected_row_count
            .store(affected_row_count, Ordering::SeqCst);
        self.inner
            .last_insert_rowid
            .store(last_insert_rowid, Ordering::SeqCst);
        Ok(true)
    }

    pub(super) async fn execute_inner(&self, stmt: Stmt, close_stream: bool) -> Result<StmtResult> {
        let mut batch_res = self.batch_inner(Batch::single(stmt), close_stream).await?;
        if let Some(Some(error)) = batch_res.step_errors.pop() {
            return Err(HranaError::StreamError(error));
        }
        if let Some(Some(resp)) = batch_res.step_results.pop() {
            Ok(resp)
        } else {
            Err(HranaError::CursorError(CursorResponseError::Other(
                "no result has been returned".to_string(),
            )))
        }
    }

    pub(crate) async fn batch_inner(
        &self,
        batch: Batch,
        close_stream: bool,
    ) -> Result<BatchResult> {
        let mut client = self.inner.stream.lock().await;
        // Patched for typeorm-libsql: a pinned stream is not ended by a statement (see `pin`), and
        // the statements that change its session are noted.
        let pinned = self.is_pinned();
        let close_stream = close_stream && !pinned;
        let changes = if pinned {
            session::session_changes(&batch)
        } else {
            Vec::new()
        };
        let (batch, deferred, began) = self.with_deferred(batch);
        // Patched for typeorm-libsql: a request on a pinned stream the server no longer has, made
        // outside a transaction, ran nothing: it is sent again once, on a new stream, behind the
        // statements that set the session again.
        let mut retry = self.retry_copy(pinned, deferred, began, &batch);
        let mut attempt = batch;
        let (resp, get_autocommit, skipped) = loop {
            let (sent, restored) = self.with_restored_session(&client, pinned, attempt);
            let failure = match client.exchange(sent, close_stream).await {
                Ok((resp, get_autocommit)) => break (resp, get_autocommit, deferred + restored),
                Err(err) => err,
            };
            match retry.take() {
                Some(again) if session::stream_gone(&failure) => attempt = again,
                // Patched for typeorm-libsql: a deferred BEGIN that was not answered did not begin.
                _ => {
                    self.undo_deferred_begin(began);
                    return Err(failure);
                }
            }
        };
        drop(client);
        match get_autocommit {
            StreamResponse::GetAutocommit(r) => {
                self.inner
                    .is_autocommit
                    .store(r.is_autocommit, Ordering::SeqCst);
            }
            other => unexpected!(other),
        };
        match resp {
            StreamResponse::Batch(mut resp) => {
                // Patched for typeorm-libsql: the deferred statements' and session statements'
                // results are not the caller's; the first of their errors is.
                if skipped > 0 {
                    let errors: Vec<_> = resp.result.step_errors.drain(..skipped).collect();
                    resp.result.step_results.drain(..skipped);
                    if let Some(error) = errors.into_iter().flatten().next() {
                        return Err(HranaError::StreamError(error));
                    }
                }
                self.note_session_changes(changes, &resp.result);
                if let Some(Some(result)) = resp.result.step_results.last() {
                    self.inner
                        .affected_row_count
                        .store(result.affected_row_count, Ordering::SeqCst);
                    self.inner
                        .total_changes
                        .fetch_add(result.affected_row_count, Ordering::SeqCst);
                    if let Some(last_insert_rowid) = result.last_insert_rowid {
                        self.inner
                            .last_insert_rowid
                            .store(last_insert_rowid, Ordering::SeqCst);
                    }
                }
                Ok(resp.result)
            }
            other => unexpected!(other),
        }
    }

    pub async fn cursor(&self, batch: Batch) -> Result<Cursor<T::Stream>> {
        let mut client = self.inner.stream.lock().await;
        let pinned = self.is_pinned();
        let (batch, deferred, began) = self.with_deferred(batch);
        // Patched for typeorm-libsql: as in `batch_inner`, a pinned stream the server no longer
        // has is replaced once, its session set again first.
        let mut retry = self.retry_copy(pinned, deferred, began, &batch);
        let mut attempt = batch;
        let (mut cursor, skipped) = loop {
            let (sent, restored) = self.with_restored_session(&client, pinned, attempt);
            let failure = match client.open_cursor(sent).await {
                Ok(cursor) => break (cursor, deferred + restored),
                Err(err) => err,
            };
            match retry.take() {
                Some(again) if session::stream_gone(&failure) => attempt = again,
                _ => {
                    self.undo_deferred_begin(began);
                    return Err(failure);
                }
            }
        };
        // Patched for typeorm-libsql: the deferred statements (and session statements) come
        // first; skip their steps (an error of one is the caller's, and the caller's steps did
        // not run).
        for _ in 0..skipped {
            let skipped = match cursor.next_step().await {
                Ok(mut step) => step.consume().await,
                Err(err) => Err(err),
            };
            if let Err(err) = skipped {
                self.undo_deferred_begin(began);
                return Err(err);
            }
        }
        Ok(cursor)
    }

    /// Patched for typeorm-libsql: queues `sql` (a statement without parameters or rows, such as
    /// BEGIN or SAVEPOINT) to be sent ahead of the next batch, in the same request, whose steps
    /// then run only if it succeeds. It saves the round trip the statement would take alone. The
    /// stream counts as inside a transaction from now on, so that the next request keeps it open.
    pub fn defer(&self, sql: &str) {
        let mut deferred = self.deferred_lock();
        if deferred.statements.is_empty() {
            deferred.began_in_autocommit = self.is_autocommit();
        }
        deferred.statements.push(sql.to_owned());
        self.inner.is_autocommit.store(false, Ordering::SeqCst);
    }

    /// Patched for typeorm-libsql: forgets the deferred statements that were not sent.
    pub fn discard_deferred(&self) {
        let began = std::mem::take(&mut *self.deferred_lock()).began_in_autocommit;
        self.undo_deferred_begin(began);
    }

    /// A deferred BEGIN that did not run leaves the stream outside a transaction, as it was.
    fn undo_deferred_begin(&self, began_in_autocommit: bool) {
        if began_in_autocommit {
            self.inner.is_autocommit.store(true, Ordering::SeqCst);
        }
    }

    fn deferred_lock(&self) -> std::sync::MutexGuard<'_, Deferred> {
        self.inner
            .deferred
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `batch` with the deferred statements in front (each runs only if the one before it
    /// succeeded, and the batch's own steps only if the last did), and how many there are.
    fn with_deferred(&self, mut batch: Batch) -> (Batch, usize, bool) {
        let deferred = std::mem::take(&mut *self.deferred_lock());
        let count = deferred.statements.len();
        if count == 0 {
            return (batch, 0, false);
        }
        let statements = deferred
            .statements
            .into_iter()
            .map(|sql| Stmt::new(sql, false))
            .collect();
        batch = prefix_steps(batch, statements);
        (batch, count, deferred.began_in_autocommit)
    }

    pub async fn store_sql(&self, sql: String) -> Result<StoredSql<T>> {
        let mut client = self.inner.stream.lock().await;
        let sql_id = client.next_sql_id();
        let resp = client
            .send(StreamRequest::StoreSql(StoreSqlStreamReq { sql, sql_id }))
            .await?;
        match resp {
            StreamResponse::StoreSql(_) => {
                drop(client);
                Ok(StoredSql::new(self.clone(), sql_id))
            }
            other => unexpected!(other),
        }
    }

    async fn close_sql(&self, sql_id: SqlId) -> Result<()> {
        let mut client = self.inner.stream.lock().await;
        let resp = client
            .send(StreamRequest::CloseSql(CloseSqlStreamReq { sql_id }))
            .await?;
        match resp {
            StreamResponse::CloseSql(_) => Ok(()),
            other => unexpected!(other),
        }
    }

    pub async fn describe<D: SqlDescriptor>(&self, descriptor: &D) -> Result<DescribeResult> {
        let mut client = self.inner.stream.lock().await;
        let req = match descriptor.sql_description() {
            SqlDescription::Sql(sql) => DescribeStreamReq {
                sql: Some(sql),
                sql_id: None,
                replication_index: None,
            },
            SqlDescription::SqlId(sql_id) => DescribeStreamReq {
                sql: None,
                sql_id: Some(sql_id),
                replication_index: None,
            },
        };
        // Patched for typeorm-libsql: outside a transaction, the describe ends the stream it
        // opened (upstream left it open, and a connection idle for longer than the server keeps
        // streams then failed its next request with STREAM_EXPIRED).
        let resp = if self.is_pinned() {
            // Patched for typeorm-libsql: a pinned stream stays open (see `pin`).
            self.describe_pinned(&mut client, req).await?
        } else if self.is_autocommit() {
            let [resp, _] = client
                .send_requests([
                    StreamRequest::Describe(req),
                    StreamRequest::Close(CloseStreamReq {}),
                ])
                .await?;
            client.reset();
            resp
        } else {
            client.send(StreamRequest::Describe(req)).await?
        };
        match resp {
            StreamResponse::Describe(resp) => Ok(resp.result),
            other => unexpected!(other),
        }
    }

    /// Patched for typeorm-libsql: ends the stream if the connection is outside a transaction
    /// (called once a cursor is done with it). The server is told in the background; a stream
    /// busy with another request is left alone.
    pub(super) fn close_if_autocommit(&self) {
        if !self.is_autocommit() || self.is_pinned() {
            return;
        }
        if let Ok(mut client) = self.inner.stream.try_lock() {
            client.close_in_background();
        }
    }

    pub async fn sequence<D: SqlDescriptor>(&self, descriptor: &D) -> Result<()> {
        let mut client = self.inner.stream.lock().await;
        let req = match descriptor.sql_description() {
            SqlDescription::Sql(sql) => SequenceStreamReq {
                sql: Some(sql),
                sql_id: None,
                replication_index: None,
            },
            SqlDescription::SqlId(sql_id) => SequenceStreamReq {
                sql: None,
                sql_id: Some(sql_id),
                replication_index: None,
            },
        };
        let resp = client.send(StreamRequest::Sequence(req)).await?;
        match resp {
            StreamResponse::Sequence(_) => Ok(()),
            other => unexpected!(other),
        }
    }

    pub async fn get_autocommit(&self) -> Result<bool> {
        let mut client = self.inner.stream.lock().await;
        let resp = client
            .send(StreamRequest::GetAutocommit(GetAutocommitStreamReq {}))
            .await?;
        match resp {
            StreamResponse::GetAutocommit(resp) => Ok(resp.is_autocommit),
            other => unexpected!(other),
        }
    }

    pub fn affected_row_count(&self) -> u64 {
        self.inner.affected_row_count.load(Ordering::SeqCst)
    }

    pub fn total_changes(&self) -> u64 {
        self.inner.total_changes.load(Ordering::SeqCst)
    }

    pub fn last_insert_rowid(&self) -> i64 {
        self.inner.last_insert_rowid.load(Ordering::SeqCst)
    }

    pub fn is_autocommit(&self) -> bool {
        self.inner.is_autocommit.load(Ordering::SeqCst)
    }

    /// Patched for typeorm-libsql: `describe` on a pinned stream. A new stream gets the session's
    /// statements first, in the same request; a stream the server no longer has, outside a
    /// transaction, is replaced once.
    async fn describe_pinned(
        &self,
        client: &mut RawStream<T>,
        req: DescribeStreamReq,
    ) -> Result<StreamResponse> {
        let mut retried = false;
        loop {
            let req = DescribeStreamReq {
                sql: req.sql.clone(),
                sql_id: req.sql_id,
                replication_index: req.replication_index,
            };
            let restore = self.restore_statements(client);
            let sent = if restore.is_empty() {
                client.send(StreamRequest::Describe(req)).await
            } else {
                let batch = prefix_steps(Batch::from_iter(Vec::<Stmt>::new()), restore);
                match client
                    .send_requests([
                        StreamRequest::Batch(BatchStreamReq { batch }),
                        StreamRequest::Describe(req),
                    ])
                    .await
                {
                    Ok([StreamResponse::Batch(restored), described]) => {
                        match restored.result.step_errors.into_iter().flatten().next() {
                            Some(error) => Err(HranaError::StreamError(error)),
                            None => Ok(described),
                        }
                    }
                    Ok([other, _]) => unexpected!(other),
                    Err(err) => Err(err),
                }
            };
            match sent {
                Err(err) if !retried && self.is_autocommit() && session::stream_gone(&err) => {
                    retried = true;
                }
                outcome => return outcome,
            }
        }
    }

    /// Patched for typeorm-libsql: pins the stream. It then stays open between statements outside
    /// a transaction (so that session state such as a PRAGMA holds for the statements after it),
    /// until `unpin`. See `session`.
    pub fn pin(&self) {
        self.inner.pinned.store(true, Ordering::SeqCst);
    }

    /// Patched for typeorm-libsql: whether the stream is pinned (`pin`).
    pub fn is_pinned(&self) -> bool {
        self.inner.pinned.load(Ordering::SeqCst)
    }

    /// Patched for typeorm-libsql: unpins the stream, forgets its session and ends it on the
    /// server (which rolls back a transaction still open on it), so that no server connection is
    /// left behind. The next request opens a new stream.
    pub async fn unpin(&self) -> Result<()> {
        let mut client = self.inner.stream.lock().await;
        self.inner.pinned.store(false, Ordering::SeqCst);
        *self.session_lock() = Session::default();
        self.discard_deferred();
        self.inner.is_autocommit.store(true, Ordering::SeqCst);
        if !client.has_baton() {
            return Ok(());
        }
        let closed = client.send(StreamRequest::Close(CloseStreamReq {})).await;
        client.reset();
        closed.map(|_| ())
    }

    pub async fn reset(&self) {
        (*self.inner).stream.lock().await.reset();
        self.discard_deferred();
        // Patched for typeorm-libsql: the next request opens a new stream, which is outside any
        // transaction; upstream kept the old stream's transaction state, so a connection reset
        // inside a transaction still believed it was in one.
        self.inner.is_autocommit.store(true, Ordering::SeqCst);
    }
}

#[derive(Debug)]
pub struct Inner<T>
where
    T: HttpSend,
{
    pub affected_row_count: AtomicU64,
    total_changes: AtomicU64,
    last_insert_rowid: AtomicI64,
    is_autocommit: AtomicBool,
    /// Patched for typeorm-libsql: statements sent ahead of the next batch (see `defer`).
    deferred: std::sync::Mutex<Deferred>,
    /// Patched for typeorm-libsql: whether the stream stays open outside transactions (`pin`).
    pub(super) pinned: AtomicBool,
    /// Patched for typeorm-libsql: what the pinned stream's statements set on the server.
    pub(super) session: std::sync::Mutex<Session>,
    stream: Mutex<RawStream<T>>,
}

#[derive(Debug)]
pub(super) struct RawStream<T>
where
    T: HttpSend,
{
    client: T,
    baton: RefCell<Option<String>>,
    pipeline_url: Arc<str>,
    cursor_url: Arc<str>,
    auth_token: Arc<str>,
    sql_id_generator: RefCell<SqlId>,
}

impl<T> RawStream<T>
where
    T: HttpSend,
{
    async fn send(&mut self, req: StreamRequest) -> Result<StreamResponse> {
        let [resp] = self.send_requests([req]).await?;
        Ok(resp)
    }

    /// Patched for typeorm-libsql: whether the stream has been opened on the server (and not
    /// closed or forgotten since).
    pub(super) fn has_baton(&self) -> bool {
        self.baton.borrow().is_some()
    }

    /// Patched for typeorm-libsql (moved out of `batch_inner`, unchanged): sends `batch` and asks
    /// whether the stream is in autocommit mode after it; with `close_stream`, the same request
    /// ends the stream.
    async fn exchange(
        &mut self,
        batch: Batch,
        close_stream: bool,
    ) -> Result<(StreamResponse, StreamResponse)> {
        if close_stream {
            tracing::trace!("send Hrana SQL batch (with closing the stream)");
            let [resp, get_autocommit, _] = self
                .send_requests([
                    StreamRequest::Batch(BatchStreamReq { batch }),
                    StreamRequest::GetAutocommit(GetAutocommitStreamReq {}),
                    StreamRequest::Close(CloseStreamReq {}),
                ])
                .await?;
            self.reset();
            Ok((resp, get_autocommit))
        } else {
            tracing::trace!("send Hrana SQL batch (leave the stream open)");
            let [resp, get_autocommit] = self
                .send_requests([
                    StreamRequest::Batch(BatchStreamReq { batch }),
                    StreamRequest::GetAutocommit(GetAutocommitStreamReq {}),
                ])
                .await?;
            Ok((resp, get_autocommit))
        }
    }

    pub async fn open_cursor(&mut self, batch: Batch) -> Result<Cursor<T::Stream>> {
        let msg = CursorReq {
            baton: self.baton.borrow().clone(),
            batch,
        };
        let body = serde_json::to_string(&msg).map_err(HranaError::Json)?;
        // Patched for typeorm-libsql: a request that failed (no reply, an HTTP error status, a
        // reply cut short) leaves the server's stream closed or unknown, so its baton is dropped
        // and the next request opens a new stream instead of failing with "invalid baton".
        let stream = match self
            .client
            .http_send(self.cursor_url.clone(), self.auth_token.clone(), body)
            .await
        {
            Ok(stream) => stream,
            Err(err) => {
                self.reset();
                return Err(err);
            }
        };
        let (cursor, mut response) = match Cursor::open(stream).await {
            Ok(opened) => opened,
            Err(err) => {
                self.reset();
                return Err(err);
            }
        };
        if let Some(base_url) = response.base_url.take() {
            self.pipeline_url = Arc::from(format!("{base_url}/v3/pipeline"));
            self.cursor_url = Arc::from(format!("{base_url}/v3/cursor"));
        }
        match response.baton.take() {
            None => {
                tracing::trace!("client stream has been closed by the server");
                self.reset();
            } // stream has been closed by the server
            Some(baton) => {
                tracing::trace!("client stream has been assigned with baton: `{}`", baton);
                *self.baton.borrow_mut() = Some(baton)
            }
        }
        Ok(cursor)
    }

    async fn send_requests<const N: usize>(
        &mut self,
        requests: [StreamRequest; N],
    ) -> Result<[StreamResponse; N]> {
        tracing::trace!(
            "client stream sending {} requests with baton `{}`: {:?}",
            N,
            self.baton.borrow().as_deref().unwrap_or_default(),
            requests
        );
        let msg = PipelineReqBody {
            baton: self.baton.borrow().clone(),
            requests: Vec::from(requests),
        };
        let body = serde_json::to_string(&msg).map_err(HranaError::Json)?;
        // Patched for typeorm-libsql: see `open_cursor`.
        let exchange = async {
            let body = self
                .client
                .http_send(self.pipeline_url.clone(), self.auth_token.clone(), body)
                .await?;
            let body = stream_to_bytes(body).await?;
            Ok::<PipelineRespBody, HranaError>(serde_json::from_slice(&body)?)
        };
        let mut response = match exchange.await {
            Ok(response) => response,
            Err(err) => {
                self.reset();
                return Err(err);
            }
        };
        if let Some(base_url) = response.base_url.take() {
            let (pipeline_url, cursor_url) = parse_hrana_urls(&base_url);
            self.pipeline_url = pipeline_url;
            self.cursor_url = cursor_url;
        }
        match response.baton.take() {
            None => {
                tracing::trace!("client stream has been closed by the server");
                self.reset();
            } // stream has been closed by the server
            Some(baton) => {
                tracing::trace!("client stream has been assigned with baton: `{}`", baton);
                *self.baton.borrow_mut() = Some(baton)
            }
        }

        if response.results.is_empty() {
            Err(HranaError::UnexpectedResponse(format!(
                "Unexpected empty response from server: {:?}",
                response.results
            )))?;
        }
        if response.results.len() != N {
            // One with actual results, one closing the stream
            Err(HranaError::UnexpectedResponse(format!(
                "Unexpected multiple responses from server: {:?}",
                response.results
            )))?;
        }
        let mut responses = std::array::from_fn(|_| StreamResponse::Close(CloseStreamResp {}));
        for (i, result) in response.results.into_iter().enumerate() {
            match result {
                StreamResult::Ok { response } => responses[i] = response,
                StreamResult::Error { error } => return Err(HranaError::StreamError(error)),
                StreamResult::None => {}
            }
        }
        Ok(responses)
    }

    async fn finalize(&mut self, req: StreamRequest) -> Result<(StreamResponse, bool)> {
        let [resp, get_autocommit, _] = self
            .send_requests([
                req,
                StreamRequest::GetAutocommit(GetAutocommitStreamReq {}),
                StreamRequest::Close(CloseStreamReq {}),
            ])
            .await?;
        let is_autocommit = match get_autocommit {
            StreamResponse::GetAutocommit(resp) => resp.is_autocommit,
            other => {
                return Err(HranaError::UnexpectedResponse(format!(
                    "expected GetAutocommitResp but got {:?}",
                    other
                )))
            }
        };
        self.reset();
        Ok((resp, is_autocommit))
    }

    /// Forgets the stream and tells the server to close it, without waiting for the reply.
    fn close_in_background(&mut self) {
        let baton = self.baton.get_mut().take();
        if let Some(baton) = baton {
            if let Ok(req) = serde_json::to_string(&PipelineReqBody {
                baton: Some(baton),
                requests: vec![StreamRequest::Close(CloseStreamReq {})],
            }) {
                self.client
                    .clone()
                    .oneshot(self.pipeline_url.clone(), self.auth_token.clone(), req);
            }
        }
        self.reset();
    }

    fn reset(&self) {
        if let Some(baton) = self.baton.borrow_mut().take() {
            tracing::trace!("closing client stream (baton: `{}`)", baton);
        }
        *self.sql_id_generator.borrow_mut() = 0;
    }

    fn next_sql_id(&mut self) -> SqlId {
        let mut gen = self.sql_id_generator.borrow_mut();
        *gen = gen.wrapping_add(1);
        *gen
    }
}

#[cfg(feature = "remote")]
impl<T> Drop for RawStream<T>
where
    T: HttpSend,
{
    fn drop(&mut self) {
        let baton = self.baton.get_mut().take();
        if let Some(baton) = baton {
            // only send a close request if stream was ever used to send the data
            tracing::trace!("closing client stream (baton: `{}`)", baton);
            let req = serde_json::to_string(&PipelineReqBody {
                baton: Some(baton),
                requests: vec![StreamRequest::Close(CloseStreamReq {})],
            })
            .unwrap();
            self.client
                .clone()
                .oneshot(self.pipeline_url.clone(), self.auth_token.clone(), req);
            self.reset();
        }
    }
}

pub(super) fn parse_hrana_urls(url: &str) -> (Arc<str>, Arc<str>) {
    let (mut base_url, query) = match url.rfind('?') {
        Some(i) => url.split_at(i),
        None => (url, ""),
    };
    if base_url.ends_with('/') {
        base_url = &base_url[0..(base_url.len() - 1)];
    }
    let pipeline_url = Arc::from(format!("{base_url}/v3/pipeline{query}"));
    let cursor_url = Arc::from(format!("{base_url}/v3/cursor{query}"));
    (pipeline_url, cursor_url)
}

async fn stream_to_bytes<S>(mut stream: S) -> Result<Bytes>
where
    S: Stream<Item = std::io::Result<Bytes>> + Unpin,
{
    use futures::StreamExt;

    let mut buf = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        buf.extend_from_slice(&chunk.map_err(|e| HranaError::Http(e.to_string()))?);
    }
    Ok(buf.freeze())
}

#[derive(Debug, Clone)]
pub struct StoredSql<T>
where
    T: HttpSend,
{
    stream: HranaStream<T>,
    sql_id: SqlId,
}

impl<T> StoredSql<T>
where
    T: HttpSend,
{
    fn new(stream: HranaStream<T>, sql_id: SqlId) -> Self {
        StoredSql { stream, sql_id }
    }

    pub async fn describe(&self) -> Result<DescribeResult> {
        self.stream.describe(self).await
    }

    pub async fn execute(&self) -> Result<()> {
        self.stream.sequence(self).await
    }

    pub async fn close(self) -> Result<()> {
        self.stream.close_sql(self.sql_id).await
    }
}

/// Trait that allows to refer to stored SQL statements. Stored SQL is first send by
/// the prepared statements as raw string and can be cached on the server side in scope of
/// a current transaction using a number identifier. This identifier can be send in subsequent
/// calls in place of SQL string to reduce the size of a message.
pub trait SqlDescriptor {
    fn sql_description(&self) -> SqlDescription;
}

impl SqlDescriptor for String {
    fn sql_description(&self) -> SqlDescription {
        SqlDescription::Sql(self.clone())
    }
}

impl<T> SqlDescriptor for StoredSql<T>
where
    T: HttpSend,
{
    fn sql_description(&self) -> SqlDescription {
        SqlDescription::SqlId(self.sql_id)
    }
}

/// Enum used by stored SQL statements. It can refer to either fresh SQL statement text, or a
/// unique identifier assigned to that statement.
///
/// For the same statement executed many times over it's better to cache it first under [SqlId] key
/// and then re-execute it in subsequent calls using only identifier.
#[derive(Debug)]
pub enum SqlDescription {
    /// Non-cached SQL statement string.
    Sql(String),
    /// Key identifier of a SQL statement cached by the server. Key is valid only in
    /// the scope of current transaction/prepared statement, which sent a store SQL request.
    SqlId(SqlId),
}

/// Patched for typeorm-libsql: the statements `HranaStream::defer` queued, and whether the stream
/// was outside a transaction before the first of them (a deferred BEGIN).
#[derive(Debug, Default)]
struct Deferred {
    statements: Vec<String>,
    began_in_autocommit: bool,
}

/// Patched for typeorm-libsql: `batch` with `statements` in front, each run only if the one before
/// it succeeded, and the batch's own steps only if the last did.
pub(super) fn prefix_steps(mut batch: Batch, statements: Vec<Stmt>) -> Batch {
    let count = statements.len() as u32;
    if count == 0 {
        return batch;
    }
    let mut steps: Vec<BatchStep> = statements
        .into_iter()
        .enumerate()
        .map(|(at, stmt)| BatchStep {
            condition: (at > 0).then(|| BatchCond::Ok { step: at as u32 - 1 }),
            stmt,
        })
        .collect();
    let after = BatchCond::Ok { step: count - 1 };
    for step in batch.steps.drain(..) {
        let condition = match step.condition {
            None | Some(BatchCond::None) => after.clone(),
            Some(cond) => BatchCond::And(BatchCondList {
                conds: vec![after.clone(), shift_steps(cond, count)],
            }),
        };
        steps.push(BatchStep {
            condition: Some(condition),
            stmt: step.stmt,
        });
    }
    batch.steps = steps;
    batch
}

/// Patched for typeorm-libsql: a batch condition with every step it names moved `by` steps on
/// (for steps put in front of a batch).
fn shift_steps(cond: BatchCond, by: u32) -> BatchCond {
    match cond {
        BatchCond::None => BatchCond::None,
        BatchCond::Ok { step } => BatchCond::Ok { step: step + by },
        BatchCond::Error { step } => BatchCond::Error { step: step + by },
        BatchCond::Not { cond } => BatchCond::Not {
            cond: Box::new(shift_steps(*cond, by)),
        },
        BatchCond::And(list) => BatchCond::And(BatchCondList {
            conds: list.conds.into_iter().map(|c| shift_steps(c, by)).collect(),
        }),
        BatchCond::Or(list) => BatchCond::Or(BatchCondList {
            conds: list.conds.into_iter().map(|c| shift_steps(c, by)).collect(),
        }),
        BatchCond::IsAutocommit {} => BatchCond::IsAutocommit {},
    }
}
