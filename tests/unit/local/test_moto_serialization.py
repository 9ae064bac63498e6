import threading
import time

from local.moto_server import _SerializedApp


class SlowApp:
    def __init__(self):
        self.active = 0
        self.peak = 0
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self._lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        time.sleep(0.05)
        with self._lock:
            self.active -= 1
        return [b"ok"]


def run_parallel(app, target, n=4):
    threads = [
        threading.Thread(target=app, args=({"HTTP_X_AMZ_TARGET": target}, None)) for _ in range(n)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_dynamodb_requests_run_one_at_a_time():
    inner = SlowApp()
    run_parallel(_SerializedApp(inner), "DynamoDB_20120810.TransactWriteItems")
    assert inner.peak == 1


def test_other_services_stay_concurrent():
    inner = SlowApp()
    run_parallel(_SerializedApp(inner), "AmazonSQS.ReceiveMessage")
    assert inner.peak > 1
