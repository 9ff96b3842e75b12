#pragma once

// Runs a comparison of techniques off the GUI thread: it assembles the snippet and runs it
// natively and under every technique (five whole runs, one of them in lockstep per
// technique), then hands the result back on the GUI thread. A newer request supersedes an
// older one: the older one's result is dropped when it arrives.

#include "run/Compare.h"

#include <QMetaType>
#include <QObject>
#include <QString>

// Before the signals that carry it, so that moc's code sees it declared.
Q_DECLARE_METATYPE(vmwb::Comparison)

namespace vmwb {

class TechniqueComparer : public QObject
{
    Q_OBJECT

public:
    explicit TechniqueComparer(QObject *parent = nullptr);
    // Cancels the comparison still running, if any.
    ~TechniqueComparer() override;

    // Starts comparing `source` (assembled as `fileName`); `options` as compareTechniques()
    // takes them. Returns at once.
    void start(const QString &source, const QString &fileName, const CompareOptions &options);
    bool isRunning() const { return m_running; }

signals:
    void runningChanged(bool running);
    void finished(const vmwb::Comparison &comparison);
    // The snippet does not assemble, or an option is wrong: why, for the user.
    void failed(const QString &message);

private:
    quint64 m_generation = 0;
    bool m_running = false;
    std::shared_ptr<std::atomic<bool>> m_cancel; // of the newest job
};

// One comparison on a pool thread. It lives on the GUI thread and deletes itself there once
// it has reported, so that its signals reach the comparer safely even if the comparer is gone.
class CompareJob : public QObject
{
    Q_OBJECT

public:
    CompareJob(QString source, QString fileName, CompareOptions options, quint64 generation);
    // On the pool thread.
    void run();

signals:
    void finished(quint64 generation, const vmwb::Comparison &comparison);
    void failed(quint64 generation, const QString &message);

private:
    QString m_source;
    QString m_fileName;
    CompareOptions m_options;
    quint64 m_generation;
};

} // namespace vmwb
